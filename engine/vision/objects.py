"""Object tags: ImageNet classes mapped to the words a shop uses for its products.

ImageNet names things the way a zoologist or a museum would ("jersey, T-shirt",
"maillot", "mailbag, postbag"). The map below turns the classes that show up on
product photos into shop words and adds up the probabilities of classes that
share a word. Other classes keep their first ImageNet name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_CONFIDENCE = 0.15
MAX_OBJECTS = 3

# ImageNet class name (as in torchvision's EfficientNet weight metadata) -> shop word.
SHOP_WORDS = {
    "jersey": "t-shirt",
    "sweatshirt": "sweatshirt",
    "cardigan": "cardigan",
    "suit": "suit",
    "trench coat": "coat",
    "fur coat": "coat",
    "lab coat": "coat",
    "poncho": "poncho",
    "kimono": "kimono",
    "abaya": "robe",
    "cloak": "cloak",
    "vestment": "robe",
    "jean": "jeans",
    "miniskirt": "skirt",
    "hoopskirt": "skirt",
    "overskirt": "skirt",
    "sarong": "sarong",
    "swimming trunks": "shorts",
    "maillot": "swimsuit",
    "bikini": "bikini",
    "brassiere": "bra",
    "pajama": "pyjamas",
    "apron": "apron",
    "bulletproof vest": "vest",
    "military uniform": "uniform",
    "bow tie": "bow tie",
    "Windsor tie": "tie",
    "stole": "scarf",
    "feather boa": "scarf",
    "sock": "socks",
    "Christmas stocking": "stocking",
    "running shoe": "running shoe",
    "Loafer": "shoe",
    "clog": "clog",
    "sandal": "sandal",
    "cowboy boot": "boot",
    "backpack": "backpack",
    "mailbag": "messenger bag",
    "purse": "handbag",
    "wallet": "wallet",
    "plastic bag": "bag",
    "sleeping bag": "sleeping bag",
    "digital watch": "watch",
    "analog clock": "watch",
    "wall clock": "clock",
    "stopwatch": "watch",
    "sunglasses": "sunglasses",
    "sunglass": "sunglasses",
    "cowboy hat": "hat",
    "sombrero": "hat",
    "bonnet": "hat",
    "mitten": "gloves",
    "dumbbell": "dumbbell",
    "barbell": "barbell",
    "water bottle": "water bottle",
    "water jug": "water bottle",
    "pop bottle": "bottle",
    "nipple": "bottle",
    "wine bottle": "bottle",
    "coffee mug": "mug",
    "cup": "cup",
    "teapot": "teapot",
    "yoga mat": "yoga mat",
    "mat": "mat",
    "rubber eraser": "eraser",
    "necklace": "necklace",
    "iPod": "music player",
    "cellular telephone": "phone",
    "lotion": "lotion",
    "sunscreen": "sunscreen",
    "band aid": "bandage",
    "balance beam": "balance beam",
    "medicine chest": "cabinet",
    "tennis ball": "ball",
    "soccer ball": "ball",
    "basketball": "ball",
    "volleyball": "ball",
    "rugby ball": "ball",
    "football helmet": "helmet",
    "crash helmet": "helmet",
    "knee pad": "knee pad",
}


@dataclass(frozen=True)
class ObjectTag:
    """What the photo shows in shop words, with the summed ImageNet probability."""

    name: str
    confidence: float


def shop_word(class_name: str) -> str:
    return SHOP_WORDS.get(class_name, class_name.split(",")[0].strip().lower())


def object_tags(
    probabilities: np.ndarray,
    class_names: list[str],
    min_confidence: float = MIN_CONFIDENCE,
    max_objects: int = MAX_OBJECTS,
) -> list[ObjectTag]:
    """Return shop-word tags from one photo's 1,000 ImageNet probabilities."""
    totals: dict[str, float] = {}
    for index in np.argsort(-probabilities)[:20]:
        word = shop_word(class_names[index])
        totals[word] = totals.get(word, 0.0) + float(probabilities[index])
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    tags = [ObjectTag(word, score) for word, score in ranked if score >= min_confidence]
    return tags[:max_objects]
