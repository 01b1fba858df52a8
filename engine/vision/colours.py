"""Name the dominant colours of the product in a photo, ignoring the studio background.

Steps: downscale, then mask out the background (pixels close to the border colour
that connect to the border). Skin is suppressed when enough other foreground
remains. Pixels are weighted towards the centre of the product and named in
CIELAB by their lightness, chroma and hue, except that the Oklab hue decides
between blue and purple. The names are the eleven basic colour terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from engine import heavy_imports

ANALYSIS_SIDE = 96
# A pixel this close (CIE76 distance) to the border colour counts as background.
# White and off-white fabric sits 5-12 from a white studio backdrop, so a wider
# margin (14 was used before) erased white garments. On the Luma training-side
# products, first-tag agreement was 0.79 at 2-4, 0.78 at 5 and 0.73 at 11.
# NOTE: a backdrop with a gradient or sensor noise beyond this distance, as in
# photos taken at home, keeps part of the backdrop in the mask, so it can be
# tagged "white" or "gray". Estimating the backdrop's own spread would fix it.
BACKGROUND_DISTANCE = 4.0
# Oklab hue angle (degrees) that separates blue from purple. CIELAB hue lines bend
# in the blue region: saturated royal blues reach CIELAB hue 300-306, where
# duller purples also sit, while Oklab keeps them apart. Measured on the Luma
# training-side photos, blue fabrics stay below 284 and purple ones above 285.
BLUE_PURPLE_OKLAB_HUE = 284.0
YELLOW_GREEN_HUE = 118.0  # CIELAB degrees
# Colours covering less of the weighted product than this are not tagged.
MIN_SHARE = 0.12
MAX_COLOURS = 3

COLOUR_NAMES = (
    "black",
    "white",
    "gray",
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
)


@dataclass(frozen=True)
class ColourTag:
    """One named colour and the share of the weighted product pixels it covers."""

    name: str
    share: float


def _srgb_to_linear(pixels: np.ndarray) -> np.ndarray:
    rgb = pixels.astype(np.float32) / 255.0
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def srgb_to_lab(pixels: np.ndarray) -> np.ndarray:
    """Convert (..., 3) sRGB values in 0-255 to CIELAB (D65)."""
    linear = _srgb_to_linear(pixels)
    matrix = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ],
        dtype=np.float32,
    )
    xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
    epsilon, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > epsilon, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    lightness = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def srgb_to_oklab_hue(pixels: np.ndarray) -> np.ndarray:
    """Return the Oklab hue in degrees (0-360) of (..., 3) sRGB values in 0-255."""
    linear = _srgb_to_linear(pixels)
    # The two matrices of Oklab for linear sRGB, as Björn Ottosson defined it (2020).
    to_lms = np.array(
        [
            [0.4122214708, 0.5363325363, 0.0514459929],
            [0.2119034982, 0.6806995451, 0.1073969566],
            [0.0883024619, 0.2817188376, 0.6299787005],
        ],
        dtype=np.float32,
    )
    to_lab = np.array(
        [
            [0.2104542553, 0.7936177850, -0.0040720468],
            [1.9779984951, -2.4285922050, 0.4505937099],
            [0.0259040371, 0.7827717662, -0.8086757660],
        ],
        dtype=np.float32,
    )
    oklab = np.cbrt(linear @ to_lms.T) @ to_lab.T
    return np.degrees(np.arctan2(oklab[..., 2], oklab[..., 1])) % 360


def name_lab(lab: np.ndarray, oklab_hue: np.ndarray | None = None) -> np.ndarray:
    """Return the index into COLOUR_NAMES of each CIELAB value in a (n, 3) array.

    Args:
        lab: (n, 3) CIELAB values.
        oklab_hue: the same pixels' Oklab hue in degrees, shape (n,). With it,
            blue and purple are split at BLUE_PURPLE_OKLAB_HUE; without it, at
            CIELAB hue 298.
    """
    lightness, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    chroma = np.hypot(a, b)
    hue = np.degrees(np.arctan2(b, a)) % 360
    names = np.empty(len(lab), dtype=np.int64)

    index = {name: i for i, name in enumerate(COLOUR_NAMES)}
    # Hue bands in CIELAB degrees, placed between the hues of sRGB reference
    # colours: red 40, crimson 25, orange 64-73, gold 91, yellow 103, green 136,
    # teal 196, royal blue 292, violet 313, purple 328, hot pink 351. The
    # yellow/green edge at 118 names lime fabrics yellow, which raised first-tag
    # agreement on the Luma training-side photos from 0.777 to 0.785 (112 before).
    # Without Oklab hues, pure sRGB blue (CIELAB hue 306) reads purple.
    hue_name = np.full(len(lab), index["red"])
    hue_name[(hue >= 52) & (hue < 82)] = index["orange"]
    hue_name[(hue >= 82) & (hue < YELLOW_GREEN_HUE)] = index["yellow"]
    hue_name[(hue >= YELLOW_GREEN_HUE) & (hue < 200)] = index["green"]
    hue_name[(hue >= 200) & (hue < 298)] = index["blue"]
    hue_name[(hue >= 298) & (hue < 345)] = index["purple"]
    if oklab_hue is not None:
        is_bluish = (hue >= 200) & (hue < 345)
        is_purple = oklab_hue >= BLUE_PURPLE_OKLAB_HUE
        hue_name[is_bluish & ~is_purple] = index["blue"]
        hue_name[is_bluish & is_purple] = index["purple"]
    names[:] = hue_name

    is_warm = (hue < YELLOW_GREEN_HUE) | (hue >= 345)
    is_brown = is_warm & (hue >= 30) & (lightness < 45) & (chroma < 50)
    names[is_brown] = index["brown"]
    is_pink = ((hue >= 340) | (hue < 40)) & (lightness > 60) & (chroma < 70)
    names[is_pink] = index["pink"]

    # Dark blues keep a visible hue at a lower chroma than other dark colours.
    is_dark_blue = (hue >= 220) & (hue_name == index["blue"]) & (lightness < 40)
    threshold = np.where(is_dark_blue, 6.0, 10.0) + 0.08 * np.clip(
        lightness - 50, 0, None
    )
    is_achromatic = chroma < threshold
    names[is_achromatic & (lightness < 24)] = index["black"]
    names[is_achromatic & (lightness >= 24) & (lightness < 85)] = index["gray"]
    names[is_achromatic & (lightness >= 85)] = index["white"]
    # Very dark pixels read as black whatever their faint hue.
    names[(lightness < 12) & (chroma < 20)] = index["black"]
    return names


def foreground_mask(lab: np.ndarray) -> np.ndarray:
    """Return a boolean (h, w) mask of pixels that are not the studio background."""
    heavy_imports.load("scipy.ndimage")
    from scipy import ndimage

    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    background = np.median(border, axis=0)
    distance = np.linalg.norm(lab - background, axis=-1)
    is_background_like = distance < BACKGROUND_DISTANCE
    labels, _ = ndimage.label(is_background_like)
    edge_labels = np.unique(
        np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    )
    edge_labels = edge_labels[edge_labels != 0]
    return ~np.isin(labels, edge_labels)


def skin_mask(rgb: np.ndarray) -> np.ndarray:
    """Return a boolean mask of skin-tone pixels (YCbCr rule used for face detection)."""
    pixels = rgb.astype(np.float32)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    cb = 128 - 0.168736 * red - 0.331264 * green + 0.5 * blue
    cr = 128 + 0.5 * red - 0.418688 * green - 0.081312 * blue
    return (
        (luma > 45)
        & (cb >= 77)
        & (cb <= 127)
        & (cr >= 135)
        & (cr <= 173)
        & (red > blue)
    )


def dominant_colours(
    image: Image.Image, max_colours: int = MAX_COLOURS
) -> list[ColourTag]:
    """Return the product's colours in `image`, largest share first."""
    small = image.convert("RGB").copy()
    small.thumbnail((ANALYSIS_SIDE, ANALYSIS_SIDE), Image.Resampling.BILINEAR)
    rgb = np.asarray(small)
    lab = srgb_to_lab(rgb)

    mask = foreground_mask(lab)
    if mask.sum() < 0.01 * mask.size:
        # Nothing differs from the border colour: a white product on white, or
        # a close-up filled by the product. The whole picture is then its colour.
        median_rgb = np.median(rgb.reshape(-1, 3), axis=0)[None, :]
        name = name_lab(srgb_to_lab(median_rgb), srgb_to_oklab_hue(median_rgb))[0]
        return [ColourTag(COLOUR_NAMES[name], 1.0)]
    skin = skin_mask(rgb) & mask
    # A garment in a skin-like colour covers most of the foreground, so skin is
    # removed only when at least a third of the foreground remains without it.
    if (mask & ~skin).sum() >= 0.33 * mask.sum():
        mask = mask & ~skin

    weights = _centre_weights(mask)[mask]
    names = name_lab(lab[mask], srgb_to_oklab_hue(rgb[mask]))
    totals = np.bincount(names, weights=weights, minlength=len(COLOUR_NAMES))
    shares = totals / max(totals.sum(), 1e-9)
    order = np.argsort(-shares)
    tags = [
        ColourTag(COLOUR_NAMES[i], float(shares[i]))
        for i in order[:max_colours]
        if shares[i] >= MIN_SHARE
    ]
    return tags or [ColourTag(COLOUR_NAMES[order[0]], float(shares[order[0]]))]


def _centre_weights(mask: np.ndarray) -> np.ndarray:
    # Weight by distance from the centre of the foreground: the product is the
    # centre of a product photo, while hair, shoes and other garments sit at its
    # edges.
    rows, columns = np.nonzero(mask)
    centre_row, centre_column = rows.mean(), columns.mean()
    spread_row = max(rows.std(), 1.0)
    spread_column = max(columns.std(), 1.0)
    grid_row, grid_column = np.indices(mask.shape)
    distance = ((grid_row - centre_row) / spread_row) ** 2 + (
        (grid_column - centre_column) / spread_column
    ) ** 2
    return np.exp(-0.5 * distance)
