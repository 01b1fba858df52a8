"""Open product photos safely: format from content, size checks, orientation, colour.

`load_photo(path)` returns an RGB Pillow image that every later step can trust, or
raises `PhotoLoadError` with a plain reason ("truncated", "not an image (HTML)",
"too large (400 MP)"), so a batch lists the bad file and goes on.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# Photos above this many pixels are rejected from their header, before decoding.
# 100 MP is about a 12,000 x 8,000 camera frame, larger than any product photo
# a shop would upload, while a 400 MP bomb decodes to 1.2 GB of RGB.
MAX_PIXELS = 100_000_000

# The working copy is downscaled to this longest side.
WORKING_SIDE = 512
# JPEG decoding is scaled (1/2, 1/4 or 1/8) as far as keeps the shorter side at
# least this long. The network needs 224 px, the grid's thumbnails 128 and
# colour naming 96. Decoding the Luma photos (1080 x 1340, progressive) at 1/4
# instead of 1/2 scale also skips a 6 ms resize per photo.
MIN_WORKING_SIDE = 256

# Suffix used for a photo copied into the shop, by detected format.
FORMAT_SUFFIXES = {
    "JPEG": ".jpg",
    "PNG": ".png",
    "GIF": ".gif",
    "WEBP": ".webp",
    "BMP": ".bmp",
    "TIFF": ".tif",
    "HEIF": ".heic",
    "AVIF": ".avif",
}

_heif_lock = threading.Lock()
_is_heif_registered: bool | None = None


class PhotoLoadError(Exception):
    """A photo that cannot be used, with the reason shown to the owner."""

    def __init__(self, path: Path, reason: str, fix: str) -> None:
        self.path = Path(path)
        self.reason = reason
        self.fix = fix
        super().__init__(f"{self.path.name}: {reason}. {fix}")


@dataclass
class LoadedPhoto:
    """A decoded photo ready for tagging."""

    path: Path
    # RGB, orientation applied, longest side <= WORKING_SIDE, shorter side
    # >= MIN_WORKING_SIDE unless the photo is smaller or very elongated
    image: Image.Image
    format: str  # detected from the content, e.g. "JPEG"
    width: int  # displayed size of the original, after EXIF orientation
    height: int
    sha256: str
    frames: int = 1


def sniff_format(header: bytes) -> str | None:
    """Return the image format named by the first bytes of a file, or None."""
    if header.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if header[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if header[:4] == b"RIFF" and header[8:12] == b"WEBP":
        return "WEBP"
    if header[:2] == b"BM":
        return "BMP"
    if header[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if header[4:8] == b"ftyp":
        brands = header[8:12] + header[16:48]
        if b"avif" in brands or b"avis" in brands:
            return "AVIF"
        if any(
            brand in brands for brand in (b"heic", b"heix", b"hevc", b"mif1", b"msf1")
        ):
            return "HEIF"
    return None


def _describe_non_image(header: bytes) -> str:
    text = header.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "not an image (HTML, probably a web page saved instead of the photo)"
    if text.startswith((b"<?xml", b"<svg")):
        return "not a photo (SVG or XML drawing)"
    if text.startswith(b"%pdf"):
        return "not an image (PDF)"
    return "not an image (unknown content)"


def _register_heif() -> bool:
    global _is_heif_registered
    with _heif_lock:
        if _is_heif_registered is None:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
                _is_heif_registered = True
            except ImportError:
                _is_heif_registered = False
        return _is_heif_registered


def load_photo(path: Path, max_pixels: int = MAX_PIXELS) -> LoadedPhoto:
    """Decode the photo at `path` into an RGB working copy.

    The format comes from the file's content, never from its name. EXIF
    orientation is applied, transparency is composited onto white, CMYK, 16-bit
    and palette images become 8-bit RGB, and an animation is represented by its
    middle frame.

    Raises:
        PhotoLoadError: the file is missing, empty, not an image, truncated, too
            large, or in a format this installation cannot read.
    """
    path = Path(path)
    data = _read_bytes(path)
    image_format = _detect_format(path, data)
    image = _open_checked(path, data, image_format, max_pixels)

    frames = getattr(image, "n_frames", 1) or 1
    try:
        if frames > 1:
            # The first frame of an animation is often a blank or fading frame.
            image.seek(frames // 2)
        width, height = _displayed_size(image)
        _draft_for_speed(image)
        image.load()
        image = ImageOps.exif_transpose(image)
        rgb = to_rgb(image)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise PhotoLoadError(path, _decode_reason(error), _REPLACE_FIX) from None

    rgb.thumbnail(
        (WORKING_SIDE, WORKING_SIDE), Image.Resampling.BICUBIC, reducing_gap=2.0
    )
    return LoadedPhoto(
        path=path,
        image=rgb,
        format=image_format,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        frames=frames,
    )


def load_photos(paths: list[Path]) -> list[LoadedPhoto | PhotoLoadError]:
    """Decode photos side by side. Each entry is the photo or its load error."""
    from engine.vision.parallel import map_photos

    return map_photos(_load_or_error, paths)


def _load_or_error(path: Path) -> LoadedPhoto | PhotoLoadError:
    try:
        return load_photo(path)
    except PhotoLoadError as error:
        return error


_REPLACE_FIX = "Export the photo again from its original, or drop another copy"


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PhotoLoadError(
            path, "file not found", "Check that it was not moved"
        ) from None
    except IsADirectoryError:
        raise PhotoLoadError(path, "is a folder", "Drop the photos inside it") from None
    except OSError as error:
        raise PhotoLoadError(
            path, f"cannot be read ({error.strerror})", "Check the file's permissions"
        ) from None
    if not data:
        raise PhotoLoadError(path, "empty file (0 bytes)", _REPLACE_FIX)
    return data


def _detect_format(path: Path, data: bytes) -> str:
    image_format = sniff_format(data[:64])
    if image_format is None:
        raise PhotoLoadError(
            path,
            _describe_non_image(data[:256]),
            "Drop a JPEG, PNG, WebP or HEIC photo",
        )
    if image_format == "HEIF" and not _register_heif():
        raise PhotoLoadError(
            path, "HEIC not supported", "Convert it to JPEG and drop it again"
        )
    return image_format


def _open_checked(
    path: Path, data: bytes, image_format: str, max_pixels: int
) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])
        width, height = image.size
    except Image.DecompressionBombError as error:
        # Pillow stops far larger images itself. Its message contains the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(error))
        pixels = int(found.group(1)) if found else max_pixels + 1
        raise PhotoLoadError(
            path, _too_large_reason(pixels, max_pixels), _SMALLER_FIX
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ) as error:
        reason = _decode_reason(error)
        if isinstance(error, UnidentifiedImageError):
            reason = f"damaged {image_format} file (the header cannot be read)"
        raise PhotoLoadError(path, reason, _REPLACE_FIX) from None

    if width * height > max_pixels:
        reason = _too_large_reason(
            width * height, max_pixels, f" {width:,} x {height:,}"
        )
        raise PhotoLoadError(path, reason, _SMALLER_FIX)
    return image


_SMALLER_FIX = "Save a smaller copy, for example 2,000 pixels wide, and drop that"


def _too_large_reason(pixels: int, max_pixels: int, size: str = "") -> str:
    return (
        f"too large ({pixels / 1_000_000:,.0f} MP{size}; the limit is "
        f"{max_pixels / 1_000_000:,.0f} MP)"
    )


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    # The size before JPEG draft decoding, turned like exif_transpose will turn it.
    width, height = image.size
    orientation = image.getexif().get(0x0112, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _draft_for_speed(image: Image.Image) -> None:
    # JPEG can decode at 1/2, 1/4 or 1/8 scale directly, which is several times
    # faster for camera-size photos. draft() keeps both sides at least as long
    # as requested.
    if image.format == "JPEG":
        image.draft(
            "RGB" if image.mode != "CMYK" else "CMYK",
            (MIN_WORKING_SIDE, MIN_WORKING_SIDE),
        )


def _decode_reason(error: BaseException) -> str:
    text = str(error).lower()
    if (
        "truncated" in text
        or "broken data stream" in text
        or isinstance(error, EOFError)
    ):
        return "truncated (the file ends before the image does)"
    return f"damaged image data ({error})"


def to_rgb(
    image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)
) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency onto `background`."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _high_depth_to_rgb(image)
    if mode == "P":
        has_alpha = "transparency" in image.info or image.palette.mode == "RGBA"
        image = image.convert("RGBA" if has_alpha else "RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, background + (255,))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    if mode == "RGB":
        return image
    return image.convert("RGB")


def _high_depth_to_rgb(image: Image.Image) -> Image.Image:
    values = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        scaled = values / 257.0
    else:
        # 32-bit integer or float images have no fixed range, so use their own.
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / max(high - low, 1e-9) * 255.0
    grey = Image.fromarray(np.clip(scaled + 0.5, 0, 255).astype(np.uint8), mode="L")
    return grey.convert("RGB")
