"""`srgan`, the command-line front end: one module per subcommand, all driving the same engine."""
