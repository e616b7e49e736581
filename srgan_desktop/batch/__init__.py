"""The batch window: pick files and folders, preview the plan and its estimate, run, pause, cancel."""
