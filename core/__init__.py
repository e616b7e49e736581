"""SRGAN Desktop's engine: networks, model files, inference, training, evaluation.

Nothing in this package imports Qt; the desktop app and the `srgan` CLI both drive it
through the plain-Python event streams of `core.common.events`.
"""

__version__ = "0.1.0"
