"""SRGAN Desktop: the PySide6 app on top of `core`."""
