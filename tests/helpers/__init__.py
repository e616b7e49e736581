"""Helpers shared by the core and GUI tests: tiny networks and model files, image files of every
pixel format, tiny photo folders and training configs."""
