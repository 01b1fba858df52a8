"""Name the dominant colours of the product in a photo, ignoring the studio background.

Steps: downscale, then mask out the background (pixels close to the border colour
that connect to the border). Skin is suppressed when enough other foreground
remains. Pixels are weighted towards the centre of the product and named in
CIELAB by their lightness, chroma and hue. The names are the eleven basic colour terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

ANALYSIS_SIDE = 96
# A pixel this close (CIE76 distance) to the border colour counts as background.
BACKGROUND_DISTANCE = 14.0
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


def srgb_to_lab(pixels: np.ndarray) -> np.ndarray:
    """Convert (..., 3) sRGB values in 0-255 to CIELAB (D65)."""
    rgb = pixels.astype(np.float32) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
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


def name_lab(lab: np.ndarray) -> np.ndarray:
    """Return the index into COLOUR_NAMES of each CIELAB value in a (n, 3) array."""
    lightness, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    chroma = np.hypot(a, b)
    hue = np.degrees(np.arctan2(b, a)) % 360
    names = np.empty(len(lab), dtype=np.int64)

    index = {name: i for i, name in enumerate(COLOUR_NAMES)}
    # Hue bands in CIELAB degrees, placed between the hues of sRGB reference
    # colours: red 40, crimson 25, orange 64-73, gold 91, yellow 103, green 136,
    # teal 196, royal blue 292, violet 313, purple 328, hot pink 351. Fabric blues
    # photographed in the studio sit below 298, so pure sRGB blue (306) reads purple.
    hue_name = np.full(len(lab), index["red"])
    hue_name[(hue >= 52) & (hue < 82)] = index["orange"]
    hue_name[(hue >= 82) & (hue < 112)] = index["yellow"]
    hue_name[(hue >= 112) & (hue < 200)] = index["green"]
    hue_name[(hue >= 200) & (hue < 298)] = index["blue"]
    hue_name[(hue >= 298) & (hue < 345)] = index["purple"]
    names[:] = hue_name

    is_warm = (hue < 112) | (hue >= 345)
    is_brown = is_warm & (hue >= 30) & (lightness < 45) & (chroma < 50)
    names[is_brown] = index["brown"]
    is_pink = ((hue >= 340) | (hue < 40)) & (lightness > 60) & (chroma < 70)
    names[is_pink] = index["pink"]

    # Dark blues keep a visible hue at a lower chroma than other dark colours.
    is_dark_blue = (hue >= 220) & (hue < 298) & (lightness < 40)
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
        median = np.median(lab.reshape(-1, 3), axis=0)[None, :]
        return [ColourTag(COLOUR_NAMES[name_lab(median)[0]], 1.0)]
    skin = skin_mask(rgb) & mask
    # A garment in a skin-like colour covers most of the foreground, so skin is
    # removed only when at least a third of the foreground remains without it.
    if (mask & ~skin).sum() >= 0.33 * mask.sum():
        mask = mask & ~skin

    weights = _centre_weights(mask)[mask]
    names = name_lab(lab[mask])
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
