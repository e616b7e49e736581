"""Small widgets shared by the windows: model, device and tile pickers, the error banner."""
