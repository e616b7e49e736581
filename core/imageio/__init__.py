"""Image files in and out: every decode in the engine (read: full float images, 8-bit RGB,
scans, headers, thumbnails) and every image write, metadata carried along, our own 16-bit
PNG/TIFF codecs, and the bicubic resize of the field's benchmark protocol."""
