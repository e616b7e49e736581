"""Batch upscaling of files and folders: plan, estimate, run with a crash-safe journal, flat memory."""
