"""Small valid files of every kind the app reads, made in memory: the seeds the fuzz tests mutate."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from core.models.model_file import save_model
from core.training.checkpoint import save_checkpoint
from tests.helpers.images import SRGB_ICC, exif_with, gradient_rgb, write_png16_by_hand, write_tiff16_by_hand
from tests.helpers.tiny import tiny_generator
from tests.helpers.training import tiny_config


def _pillow(array: np.ndarray, mode: str, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _animation(fmt: str, count: int, **options) -> bytes:
    frames = [Image.fromarray(gradient_rgb(6, 8, seed=i)) for i in range(count)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:], **options)
    return buffer.getvalue()


def _by_hand(write, folder: Path, name: str, *args, **kwargs) -> bytes:
    path = write(folder / name, *args, **kwargs)
    return path.read_bytes()


def image_seeds(folder: Path) -> dict[str, list[bytes]]:
    """Pillow format name -> a few small files of that format, covering the app's own decoders
    (16-bit PNG and TIFF), EXIF, ICC, alpha, palettes, grey, CMYK and animations."""
    rgb = gradient_rgb(6, 8)
    rgba = np.concatenate([rgb, gradient_rgb(6, 8, seed=1)[..., :1]], axis=2)
    grey = rgb[..., 0]
    wide = (gradient_rgb(5, 7).astype(np.uint16) * 257)
    exif = exif_with(orientation=6).tobytes()
    return {
        "PNG": [_pillow(rgb, "RGB", "PNG", icc_profile=SRGB_ICC, exif=exif),
                _pillow(rgba, "RGBA", "PNG"),
                _pillow(grey, "L", "PNG", transparency=0),
                _by_hand(write_png16_by_hand, folder, "rgb16.png", wide, filters=(0, 1, 2, 3, 4)),
                _by_hand(write_png16_by_hand, folder, "la16.png", wide[..., :2]),
                _animation("PNG", 2)],
        "JPEG": [_pillow(rgb, "RGB", "JPEG", quality=80, exif=exif, icc_profile=SRGB_ICC),
                 _pillow(grey, "L", "JPEG", progressive=True),
                 _pillow(np.concatenate([rgb, rgb[..., :1]], axis=2), "CMYK", "JPEG")],
        "TIFF": [_by_hand(write_tiff16_by_hand, folder, "lzw16.tif", wide, rows_per_strip=2),
                 _by_hand(write_tiff16_by_hand, folder, "raw16.tif", wide, lzw=False, predictor=1, byte_order=">"),
                 _pillow(rgb, "RGB", "TIFF", compression="tiff_deflate"),
                 _pillow(rgba, "RGBA", "TIFF", exif=exif),
                 _animation("TIFF", 2)],
        "WEBP": [_pillow(rgb, "RGB", "WEBP", quality=70, exif=exif),
                 _pillow(rgba, "RGBA", "WEBP", lossless=True),
                 _animation("WEBP", 2)],
        "GIF": [_animation("GIF", 3, duration=40, loop=0),
                _pillow(grey, "L", "GIF", transparency=3)],
    }


def model_seed(folder: Path) -> bytes:
    """A tiny self-describing model file (one block, width 8), fp16 to keep it small."""
    path = save_model(tiny_generator(), folder / "seed.safetensors", name="seed", title="Seed",
                      provenance={"steps": 3}, metrics={"Set5": {"psnr": 20.0}}, half=True)
    return path.read_bytes()


def checkpoint_seed(folder: Path) -> bytes:
    """A tiny 'best' checkpoint as the trainer writes it (generator weights, config, metrics)."""
    config = tiny_config(folder / "run")
    state = {"kind": "best", "step": 3, "config": config.to_dict(), "metrics": {"psnr": 20.0},
             "best_psnr": 20.0, "seconds": 1.5, "device": "cpu",
             "generator": tiny_generator().half().state_dict(), "ema": None}
    path = save_checkpoint(state, folder / "seed.ckpt")
    return path.read_bytes()

