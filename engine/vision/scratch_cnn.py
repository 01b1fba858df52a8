"""A small CNN trained from scratch on the shop's photos: the benchmark baseline.

It shows what the pretrained backbone is worth: the same photos and labels, but
no ImageNet knowledge. 64 x 64 inputs, three convolution blocks, Adam.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

INPUT_SIDE = 64


def to_input(image: Image.Image) -> np.ndarray:
    """Return a (3, 64, 64) float32 array: the whole photo padded to a square."""
    width, height = image.size
    side = max(width, height)
    square = Image.new("RGB", (side, side), (255, 255, 255))
    square.paste(image, ((side - width) // 2, (side - height) // 2))
    small = square.resize((INPUT_SIDE, INPUT_SIDE), Image.Resampling.BILINEAR)
    return (np.asarray(small, dtype=np.float32) / 127.5 - 1.0).transpose(2, 0, 1)


@dataclass
class ScratchCnn:
    network: object
    classes: list[str]

    def predict(self, inputs: np.ndarray) -> list[str]:
        import torch

        self.network.eval()
        with torch.inference_mode():
            logits = self.network(torch.from_numpy(inputs))
        return [self.classes[i] for i in logits.argmax(dim=1).tolist()]


def train_scratch_cnn(
    inputs: np.ndarray, labels: list[str], epochs: int = 20, seed: int = 0
) -> ScratchCnn:
    """Train on (n, 3, 64, 64) inputs with horizontal-flip augmentation."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    classes = sorted(set(labels))
    targets = torch.tensor([classes.index(label) for label in labels])
    data = torch.from_numpy(inputs)

    def block(channels_in: int, channels_out: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(channels_in, channels_out, 3, padding=1),
            nn.BatchNorm2d(channels_out),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )

    network = nn.Sequential(
        block(3, 16),
        block(16, 32),
        block(32, 64),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(64, len(classes)),
    )
    optimiser = torch.optim.Adam(network.parameters(), lr=3e-3, weight_decay=1e-4)
    loss_function = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        network.train()
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), 32):
            batch = order[start : start + 32]
            images = data[batch]
            flip = torch.rand(len(batch), generator=generator) < 0.5
            images[flip] = images[flip].flip(dims=[3])
            optimiser.zero_grad()
            loss = loss_function(network(images), targets[batch])
            loss.backward()
            optimiser.step()
    return ScratchCnn(network, classes)
