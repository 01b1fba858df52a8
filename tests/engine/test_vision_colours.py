"""Colour names for hard cases: royal blue, lime, white fabric on a white backdrop."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine.vision.colours import (
    COLOUR_NAMES,
    dominant_colours,
    name_lab,
    srgb_to_lab,
    srgb_to_oklab_hue,
)


def photo_on_white(
    top: tuple[int, int, int], bottom: tuple[int, int, int] | None = None
) -> Image.Image:
    """A 200 x 160 studio photo: a top garment and, below it, optional trousers."""
    pixels = np.full((200, 160, 3), 255, dtype=np.uint8)
    pixels[30:130, 35:125] = top
    if bottom is not None:
        pixels[130:190, 50:110] = bottom
    return Image.fromarray(pixels)


@pytest.mark.parametrize(
    ("garment", "name"),
    [
        ((35, 45, 210), "blue"),  # CIELAB hue 303, Oklab hue 269
        ((50, 40, 200), "blue"),
        ((110, 50, 150), "purple"),  # Oklab hue 309
        ((20, 25, 60), "blue"),  # navy
        ((200, 230, 60), "yellow"),  # lime, CIELAB hue 113
        ((60, 170, 60), "green"),
    ],
)
def test_hue_named(garment, name):
    assert dominant_colours(photo_on_white(garment))[0].name == name


def test_white_top_over_gray_trousers():
    tags = dominant_colours(photo_on_white((238, 238, 238), bottom=(120, 120, 125)))

    assert tags[0].name == "white"
    assert "gray" in [tag.name for tag in tags]


def test_cielab_split_without_oklab():
    royal_blue = np.array([[35, 45, 210]])
    lab = srgb_to_lab(royal_blue)

    with_oklab = COLOUR_NAMES[name_lab(lab, srgb_to_oklab_hue(royal_blue))[0]]
    without = COLOUR_NAMES[name_lab(lab)[0]]

    assert with_oklab == "blue"
    assert without == "purple"


def test_oklab_hue_of_primaries():
    primaries = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]])

    hues = srgb_to_oklab_hue(primaries)

    # Oklab hues of sRGB red, green and blue: 29.2, 142.5 and 264.1 degrees.
    np.testing.assert_allclose(hues, [29.2, 142.5, 264.1], atol=0.2)
