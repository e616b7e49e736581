"""Image files in and out: every pixel format to float arrays and back, metadata carried along,
our own 16-bit PNG/TIFF codecs, and the bicubic resize of the field's benchmark protocol."""
