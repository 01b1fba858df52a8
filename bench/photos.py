"""Photo tagging accuracy, colour tags and speed against a from-scratch CNN.

Data: the Magento Luma catalog photos (magento2-sample-data, OSL-3.0 / AFL-3.0),
split 50/50 by product SKU within each class, so a product's photos (near
duplicates of each other) never sit on both sides. Training photos per class are
sampled from the training side: 5, 10, 20 or all. The 5/10/20 figures average
three samplings (seeds 0-2); "all" uses seed 0.

Systems, all run here on the same split:
- ours: EfficientNet-Lite0 embeddings of the whole photo with the shop's
  category head (engine.vision.head: logistic regression, C=100);
- peer: the same embeddings with scikit-learn's default logistic regression;
- peer: a small CNN trained from scratch on 64 x 64 photos (engine.vision.scratch_cnn).
Colour: our named dominant colour against k-means (k=3) whose largest cluster
is named with the same colour names, both compared with the colour in the file name.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import resource
import statistics
import time

import numpy as np

from bench.datasets import luma_catalog_dir
from bench.runner import Row

log = logging.getLogger(__name__)

GARMENT_TYPES = (
    "Tees", "Jackets", "Hoodies & Sweatshirts", "Pants", "Shorts", "Tanks",
    "Bras & Tanks", "Bags", "Fitness Equipment", "Watches",
)  # fmt: skip
SETTINGS = (5, 10, 20, None)
SEEDS = (0, 1, 2)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add this benchmark's options."""
    parser.add_argument(
        "--limit",
        type=int,
        default=0,
        help="use only the first N photos (0 = all), for a quick check",
    )
    parser.add_argument(
        "--cnn-epochs",
        type=int,
        default=20,
        help="training epochs of the from-scratch CNN",
    )


def run(args: argparse.Namespace) -> list[Row]:
    from engine.vision import backbone

    photos = _photo_labels(args.limit)
    started = time.monotonic()
    images = _load_images(photos)
    load_seconds = time.monotonic() - started
    embedded = backbone.embed_images(images)
    embed_seconds = time.monotonic() - started - load_seconds
    log.info(
        "Loaded %d photos in %.0f s, embedded in %.0f s",
        len(images),
        load_seconds,
        embed_seconds,
    )

    rows: list[Row] = []
    rows += _classification_rows(photos, images, embedded.embeddings, args.cnn_epochs)
    rows += _colour_rows(photos, images)
    rows += _speed_rows(photos, embedded.embeddings)
    rows.append(
        Row(
            "luma-garment-type",
            "tagger",
            "ours",
            "peak_rss_mb",
            _peak_rss_mb(),
            _load_note(),
        )
    )
    return rows


def _load_images(photos: list[dict]) -> list:
    from engine.vision.loading import PhotoLoadError, load_photos

    results = load_photos([luma_catalog_dir() / row["image_file"] for row in photos])
    for result in results:
        if isinstance(result, PhotoLoadError):
            raise result
    return [result.image for result in results]


def _photo_labels(limit: int) -> list[dict]:
    with open(luma_catalog_dir() / "image_labels.csv", encoding="utf-8") as file:
        photos = [
            row for row in csv.DictReader(file) if row["subcategory"] in GARMENT_TYPES
        ]
    return photos[:limit] if limit else photos


# ---------------------------------------------------------------- accuracy


def _classification_rows(photos, images, embeddings, cnn_epochs: int) -> list[Row]:
    from engine.vision.scratch_cnn import to_input

    small_inputs = np.stack([to_input(image) for image in images])
    rows = []
    for dataset, column in (
        ("luma-garment-type", "subcategory"),
        ("luma-category", "category"),
    ):
        labels = [row[column] for row in photos]
        groups = [row["sku"] for row in photos]
        for per_class in SETTINGS:
            setting = f"{per_class}-per-class" if per_class else "all"
            seeds = SEEDS if per_class else SEEDS[:1]
            scores = {"tagger": [], "logreg-default": [], "scratch-cnn": []}
            for seed in seeds:
                train, test = _split(groups, labels, per_class, seed)
                truth = [labels[i] for i in test]
                for system, predicted in _predictions(
                    embeddings, small_inputs, labels, train, test, cnn_epochs, seed
                ).items():
                    scores[system].append(_scores(truth, predicted))
            for system, values in scores.items():
                role = "ours" if system == "tagger" else "peer"
                top1 = statistics.mean(value[0] for value in values)
                f1 = statistics.mean(value[1] for value in values)
                rows.append(Row(dataset, system, role, "top1", top1, setting))
                rows.append(Row(dataset, system, role, "macro_f1", f1, setting))
                log.info(
                    "%s %s %s top1 %.3f macro-F1 %.3f",
                    dataset,
                    system,
                    setting,
                    top1,
                    f1,
                )
    return rows


def _split(groups, labels, per_class, seed):
    from engine.vision.metrics import group_split

    train, test = group_split(groups, labels, 0.5, seed=0)
    if per_class is None:
        return train, test
    rng = np.random.default_rng(seed)
    chosen = []
    for label in sorted(set(labels)):
        members = [i for i in train if labels[i] == label]
        rng.shuffle(members)
        chosen.extend(members[:per_class])
    return np.array(sorted(chosen)), test


def _predictions(
    embeddings, small_inputs, labels, train, test, cnn_epochs, seed
) -> dict:
    from sklearn.linear_model import LogisticRegression

    from engine.vision.head import fit_head, normalise
    from engine.vision.scratch_cnn import train_scratch_cnn

    train_labels = [labels[i] for i in train]
    head = fit_head(embeddings[train], train_labels)
    default = LogisticRegression(max_iter=2000).fit(
        normalise(embeddings[train]), train_labels
    )
    cnn = train_scratch_cnn(
        small_inputs[train], train_labels, epochs=cnn_epochs, seed=seed
    )
    return {
        "tagger": head.predict(embeddings[test]),
        "logreg-default": list(default.predict(normalise(embeddings[test]))),
        "scratch-cnn": cnn.predict(small_inputs[test]),
    }


def _scores(truth, predicted) -> tuple[float, float]:
    from engine.vision.metrics import macro_f1

    top1 = float(np.mean([t == p for t, p in zip(truth, predicted)]))
    return top1, macro_f1(truth, predicted)


# ---------------------------------------------------------------- colour


def _colour_rows(photos, images) -> list[Row]:
    from engine.vision.colours import dominant_colours

    named = [(row["colour_from_filename"], image) for row, image in zip(photos, images)]
    named = [(colour, image) for colour, image in named if colour]
    ours_first = ours_any = peer_first = 0
    for colour, image in named:
        tags = [tag.name for tag in dominant_colours(image)]
        ours_first += bool(tags) and tags[0] == colour
        ours_any += colour in tags
        peer_first += _kmeans_colour(image) == colour
    count = max(len(named), 1)
    setting = f"{len(named)} photos with a colour in the file name"
    return [
        Row(
            "luma-colour",
            "colour-namer",
            "ours",
            "colour_agreement",
            ours_first / count,
            setting,
        ),
        Row(
            "luma-colour",
            "colour-namer",
            "ours",
            "colour_agreement",
            ours_any / count,
            f"{setting}, any of up to 3 colour tags",
        ),
        Row(
            "luma-colour",
            "kmeans-largest-cluster",
            "peer",
            "colour_agreement",
            peer_first / count,
            setting,
        ),
    ]


def _kmeans_colour(image) -> str:
    from sklearn.cluster import KMeans

    from engine.vision.colours import COLOUR_NAMES, name_lab, srgb_to_lab

    small = image.copy()
    small.thumbnail((64, 64))
    pixels = np.asarray(small).reshape(-1, 3)
    model = KMeans(n_clusters=3, n_init=3, random_state=0).fit(pixels)
    largest = np.bincount(model.labels_).argmax()
    centre = srgb_to_lab(model.cluster_centers_[largest][None, :])
    return COLOUR_NAMES[name_lab(centre)[0]]


# ---------------------------------------------------------------- speed


def _speed_rows(photos, embeddings) -> list[Row]:
    """Time the whole tagging step per photo: decode, network, colours, objects, head.

    It calls the functions the shop's tag service calls, in the same batches of 8,
    so photos are decoded and run through the network side by side on
    engine.vision.parallel's worker threads.
    """
    from engine.vision import backbone, parallel
    from engine.vision.colours import dominant_colours
    from engine.vision.head import fit_head
    from engine.vision.loading import load_photos
    from engine.vision.objects import object_tags
    from engine.vision.service import BATCH_SIZE

    sample = photos[:96]
    paths = [luma_catalog_dir() / row["image_file"] for row in sample]
    names = backbone.imagenet_class_names()
    head = fit_head(embeddings, [row["subcategory"] for row in photos])

    def tag(batch_images):
        output = backbone.embed_images(batch_images)
        head.predict_proba(output.embeddings)
        for probabilities in output.probabilities:
            object_tags(probabilities, names)
        parallel.map_photos(dominant_colours, batch_images)

    started = time.monotonic()
    for start in range(0, len(paths), BATCH_SIZE):
        loaded = load_photos(paths[start : start + BATCH_SIZE])
        tag([photo.image for photo in loaded])
    throughput = len(paths) / (time.monotonic() - started)

    images = [photo.image for photo in load_photos(paths[:12])]
    latencies = []
    for image in images:
        started = time.monotonic()
        tag([image])
        latencies.append((time.monotonic() - started) * 1000)
    note = _load_note()
    return [
        Row(
            "luma-garment-type",
            "tagger",
            "ours",
            "images_per_s",
            throughput,
            f"decode + tag, batches of {BATCH_SIZE}, "
            f"{parallel.WORKERS} worker threads; {note}",
        ),
        Row(
            "luma-garment-type",
            "tagger",
            "ours",
            "latency_ms",
            statistics.median(latencies),
            f"one photo after decoding, median of 12; {note}",
        ),
        *_stage_rows(paths[:24], head, names),
    ]


def _stage_rows(paths, head, names) -> list[Row]:
    """Measure the CPU time of each tagging stage on one thread, per photo.

    CPU time, unlike wall time, hardly changes when other programs share the
    cores, so these figures stay comparable between runs on a busy machine.
    """
    from engine.vision import backbone
    from engine.vision.colours import dominant_colours
    from engine.vision.loading import load_photo
    from engine.vision.objects import object_tags

    def cpu_ms(function, items) -> tuple[float, list]:
        started = time.thread_time()
        results = [function(item) for item in items]
        return (time.thread_time() - started) * 1000 / len(items), results

    decode_ms, loaded = cpu_ms(load_photo, paths)
    images = [photo.image for photo in loaded]
    resize_ms, inputs = cpu_ms(backbone.preprocess, images)
    backbone.run_network(inputs[0][None])
    network_ms, outputs = cpu_ms(lambda x: backbone.run_network(x[None]), inputs)
    colour_ms, _ = cpu_ms(dominant_colours, images)
    head_ms, _ = cpu_ms(
        lambda output: (
            head.predict_proba(output.embeddings),
            object_tags(output.probabilities[0], names),
        ),
        outputs,
    )
    stages = {
        "decode": decode_ms,
        "resize": resize_ms,
        "network": network_ms,
        "colour tags": colour_ms,
        "head and object tags": head_ms,
    }
    return [
        Row(
            "luma-garment-type",
            "tagger",
            "ours",
            "cpu_ms_per_photo",
            value,
            f"{stage}, one thread, {len(paths)} photos",
        )
        for stage, value in stages.items()
    ]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"
