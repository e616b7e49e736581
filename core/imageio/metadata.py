"""EXIF and ICC handling for `core.imageio.files`: read once at load, adjust for the upscaled output.

The output keeps the camera's EXIF (date, camera, GPS...) but its orientation is set to 1
(the pixels are already upright), its pixel dimensions are the new ones and its resolution
matches the scaled DPI, so no viewer rotates twice or prints at the wrong size.
"""

from __future__ import annotations

from PIL import Image, TiffImagePlugin

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION = 0x0112
X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT = 0x011A, 0x011B, 0x0128
PIXEL_X_DIMENSION, PIXEL_Y_DIMENSION = 0xA002, 0xA003
# In a TIFF, "EXIF" is the file's own directory, full of layout tags (strips, bit depth...)
# that would be nonsense in another file. Only these descriptive tags travel from a TIFF.
TIFF_DESCRIPTIVE_TAGS = {0x010E, 0x010F, 0x0110, ORIENTATION, 0x0131, 0x0132, 0x013B, 0x8298,
                         EXIF_IFD, GPS_IFD}


def read_icc_profile(image: Image.Image) -> bytes | None:
    icc = image.info.get("icc_profile")
    return bytes(icc) if icc else None


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation (1..8) the pixels still need; 1 without one or with unreadable EXIF."""
    try:
        return int(image.getexif().get(ORIENTATION, 1) or 1)
    except Exception:  # noqa: BLE001 - Pillow raises many types on malformed EXIF; it is optional data
        return 1


def read_exif(image: Image.Image) -> tuple[bytes | None, int]:
    """(EXIF bytes with orientation reset to 1, the orientation the pixels still need).

    If the EXIF cannot be re-encoded it is dropped when it held a rotation (a stale rotation
    tag would turn the output twice) and passed through untouched otherwise.
    """
    try:
        exif = image.getexif()
        orientation = int(exif.get(ORIENTATION, 1) or 1)
    except Exception:  # noqa: BLE001 - Pillow raises many types on malformed EXIF; it is optional data
        return None, 1
    if not exif:
        return None, orientation
    try:
        if image.format == "TIFF":
            for tag in [t for t in exif if t not in TIFF_DESCRIPTIVE_TAGS]:
                del exif[tag]
        for ifd in (EXIF_IFD, GPS_IFD):
            if ifd in exif:
                exif.get_ifd(ifd)                      # read sub-directories while the file is open
        if ORIENTATION in exif:
            exif[ORIENTATION] = 1
        data = exif.tobytes()
    except Exception:  # noqa: BLE001 - see above
        raw = image.info.get("exif")
        return (bytes(raw) if raw and orientation == 1 else None), orientation
    return (data if len(data) > 14 else None), orientation


def exif_for_output(exif: bytes | None, width: int, height: int,
                    dpi: tuple[float, float] | None) -> bytes | None:
    """The EXIF to write into an output of `width` x `height` at `dpi` (None keeps what it says)."""
    if not exif:
        return None
    try:
        data = Image.Exif()
        data.load(exif)
        sub = data.get_ifd(EXIF_IFD)
        if PIXEL_X_DIMENSION in sub or PIXEL_Y_DIMENSION in sub:
            sub[PIXEL_X_DIMENSION], sub[PIXEL_Y_DIMENSION] = width, height
        if dpi:
            data[X_RESOLUTION] = TiffImagePlugin.IFDRational(round(dpi[0] * 1000), 1000)
            data[Y_RESOLUTION] = TiffImagePlugin.IFDRational(round(dpi[1] * 1000), 1000)
            data[RESOLUTION_UNIT] = 2                  # inches
        return data.tobytes()
    except Exception:  # noqa: BLE001 - keep the original bytes rather than lose the metadata
        return exif
