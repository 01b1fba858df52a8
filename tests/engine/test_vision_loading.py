"""Loading real and awkward photo files: orientation, colour modes, formats, bad files."""

from __future__ import annotations

import os
import shutil
import threading

import numpy as np
import psutil
import pytest
from PIL import Image

from engine.vision.files import collect_photo_files
from engine.vision.loading import (
    PhotoLoadError,
    load_photo,
    load_photos,
    sniff_format,
)


def red_mask(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image).astype(int)
    return (pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)


def test_exif_orientation_applied(cases):
    photo = load_photo(cases / "C13_exif_orientation6.jpg")

    assert (photo.width, photo.height) == (240, 320)
    assert photo.image.size == (240, 320)
    rows = np.flatnonzero(red_mask(photo.image).any(axis=1))
    widths = red_mask(photo.image).sum(axis=1)
    # The arrow's head, its widest part, is above the middle of its shaft.
    assert np.argmax(widths) < (rows.min() + rows.max()) / 2


def test_cmyk_loads_as_rgb_red(cases):
    cmyk = load_photo(cases / "C14_cmyk.jpg")
    rgb = load_photo(cases / "C13_exif_orientation6.jpg")

    assert cmyk.image.mode == "RGB"
    assert red_mask(cmyk.image).sum() > 500
    difference = np.abs(np.asarray(cmyk.image, int) - np.asarray(rgb.image, int)).mean()
    assert difference < 12


@pytest.mark.parametrize(
    "name", ["C16_rgba_transparent_bg.png", "C16_palette_trns.png"]
)
def test_transparency_on_white(cases, name):
    photo = load_photo(cases / name)
    pixels = np.asarray(photo.image)

    assert photo.image.mode == "RGB"
    assert pixels[0, 0].min() >= 250
    assert pixels[-1, -1].min() >= 250
    centre = pixels[pixels.shape[0] // 2, pixels.shape[1] // 2]
    assert centre.max() - centre.min() > 80


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("C18_IMG_0001.png", "HEIF"),
        ("C18_product.webp", "WEBP"),
        ("C18_product.avif", "AVIF"),
        ("C18_webp_named_as.jpg", "WEBP"),
    ],
)
def test_format_from_content(cases, name, expected):
    photo = load_photo(cases / name)

    assert photo.format == expected
    assert red_mask(photo.image).sum() > 100


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("C19_truncated.jpg", "truncated"),
        ("C19_truncated.png", "truncated"),
        ("C19_zero_bytes.jpg", "empty file"),
        ("C19_html_saved_as.jpg", "not an image (HTML"),
        ("C19_random_bytes.png", "damaged PNG"),
    ],
)
def test_bad_file_reason(cases, name, reason):
    with pytest.raises(PhotoLoadError) as raised:
        load_photo(cases / name)

    assert raised.value.reason.startswith(reason)


def test_truncated_images_flag_untouched(cases):
    from PIL import ImageFile

    with pytest.raises(PhotoLoadError):
        load_photo(cases / "C19_truncated.jpg")

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_bomb_rejected_from_header(cases):
    process = psutil.Process()
    before = process.memory_info().rss

    with pytest.raises(PhotoLoadError) as raised:
        load_photo(cases / "C20_bomb_20000x20000.png")

    assert raised.value.reason.startswith("too large (400 MP")
    assert process.memory_info().rss - before < 50_000_000


def test_load_photos_keeps_order_and_errors(cases, tmp_path):
    good = tmp_path / "good.jpg"
    Image.new("RGB", (640, 480), (20, 90, 200)).save(good)
    paths = [good, cases / "C19_truncated.jpg", good, tmp_path / "missing.jpg"]

    results = load_photos(paths)

    assert [type(result).__name__ for result in results] == [
        "LoadedPhoto",
        "PhotoLoadError",
        "LoadedPhoto",
        "PhotoLoadError",
    ]
    assert results[1].reason.startswith("truncated")
    assert results[3].reason == "file not found"


def test_jpeg_decoded_at_reduced_scale(tmp_path):
    path = tmp_path / "camera.jpg"
    Image.new("RGB", (2160, 2680), (200, 30, 30)).save(path, quality=85)

    photo = load_photo(path)

    # 1/8 scale, the smallest that keeps the shorter side at 256 or more.
    assert photo.image.size == (270, 335)
    assert (photo.width, photo.height) == (2160, 2680)


def test_large_photo_downscaled(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (20, 90, 200)).save(path, quality=80)

    photo = load_photo(path)

    assert (photo.width, photo.height) == (4000, 3000)
    assert max(photo.image.size) <= 512


def test_sixteen_bit_grey(tmp_path):
    path = tmp_path / "grey16.png"
    ramp = np.tile(np.linspace(0, 65535, 64, dtype=np.uint16), (32, 1))
    Image.fromarray(ramp).save(path)

    photo = load_photo(path)
    pixels = np.asarray(photo.image)

    assert photo.image.mode == "RGB"
    assert pixels[:, 0].max() <= 2
    assert pixels[:, -1].min() >= 253


def test_animation_uses_middle_frame(tmp_path):
    path = tmp_path / "spin.gif"
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("white", "red", "blue")]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)

    photo = load_photo(path)

    assert photo.frames == 3
    assert red_mask(photo.image).all()


def test_png_named_jpg(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (30, 30), "green").save(path, format="PNG")

    assert load_photo(path).format == "PNG"


def test_sniff_unknown_bytes():
    assert sniff_format(b"hello world, not a photo at all") is None


def test_folder_collected_recursively(cases, tmp_path):
    folder = tmp_path / "dropped"
    shutil.copytree(cases / "C23_dropped_folder", folder)

    collected = collect_photo_files([folder])
    photo_names = sorted(path.name for path in collected.photos)
    skipped_names = sorted(path.name for path in collected.skipped)

    assert photo_names == ["apron.png", "glaze_detail.jpeg", "mug_front.JPG"]
    assert "notes.txt" in skipped_names
    assert "._apron.png" in skipped_names
    assert "Thumbs.db" in skipped_names


def test_folder_with_symlink_loop(cases, tmp_path):
    folder = tmp_path / "dropped"
    folder.mkdir()
    shutil.copyfile(cases / "C14_cmyk.jpg", folder / "good.jpg")
    (folder / "a.png").symlink_to("b.png")
    (folder / "b.png").symlink_to("a.png")
    (folder / "inner").mkdir()
    (folder / "inner" / "up").symlink_to("..")

    collected = collect_photo_files([folder])
    loaded = [load_photos([path])[0] for path in collected.photos]

    assert [path.name for path in collected.photos] == ["a.png", "b.png", "good.jpg"]
    assert [type(result).__name__ for result in loaded] == [
        "PhotoLoadError",
        "PhotoLoadError",
        "LoadedPhoto",
    ]
    assert "cannot be read" in loaded[0].reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_folder_with_named_pipes(cases, tmp_path):
    folder = tmp_path / "dropped"
    folder.mkdir()
    shutil.copyfile(cases / "C14_cmyk.jpg", folder / "good.jpg")
    os.mkfifo(folder / "pipe")
    os.mkfifo(folder / "pipe.jpg")
    results = []
    # Opening a pipe with no writer blocks, so the call runs where a hang can be seen.
    worker = threading.Thread(
        target=lambda: results.append(collect_photo_files([folder])), daemon=True
    )
    worker.start()
    worker.join(timeout=10)

    assert not worker.is_alive()
    assert [path.name for path in results[0].photos] == ["good.jpg"]
    assert [path.name for path in results[0].skipped] == ["pipe", "pipe.jpg"]
