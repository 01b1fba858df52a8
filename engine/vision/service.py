"""Tag product photos and train the shop's category head.

Public calls (each opens its own store, so any thread may call them):
- `tag_photos(shop_path, paths)` copies dropped photos into the shop and suggests
  category, object, colour and product tags for each. Bad files are reported one
  by one while the batch goes on.
- `train_tagger(shop_path)` trains the category head on the catalog photos and
  the owner's corrections, and makes it active once it is saved whole.
- `set_tag_status`, `add_tag`, `link_photo` and `similar_products` serve the
  Photos tab.
"""

from __future__ import annotations

import errno
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import modelstore
from engine.errors import CancelledError, MerchantError
from engine.progress import CancelToken, ThrottledProgress, no_progress
from engine.store import Store, open_store, utc_now
from engine.vision import embeddings as photo_embeddings
from engine.vision.loading import (
    FORMAT_SUFFIXES,
    LoadedPhoto,
    PhotoLoadError,
    load_photos,
)
from engine.vision.parallel import map_photos

log = logging.getLogger(__name__)

PHOTO_FOLDER = "photos"
HEAD_NAME = "photo-category-head"
BATCH_SIZE = 8
MAX_CATEGORY_TAGS = 2
MIN_CATEGORY_CONFIDENCE = 0.15
SIMILAR_COUNT = 5
# Cosine similarity of the embeddings above which two photos count as
# near-duplicates (the same shot resized, recompressed or lightly cropped).
DUPLICATE_SIMILARITY = 0.95
VALIDATION_SHARE = 0.2


class NotEnoughPhotosError(MerchantError):
    def __init__(self, categories: int, photos: int) -> None:
        super().__init__(
            f"Training needs catalog photos of at least two categories, with two "
            f"photos each; this shop has {photos} usable photos in {categories} "
            "categories. Import a product export that lists photos, or tag photos "
            "with a category on the Photos tab, then train again."
        )


@dataclass
class PhotoTag:
    id: int
    kind: str  # "category", "object", "colour" or "product"
    value: str
    confidence: float | None
    status: str  # "suggested", "accepted" or "removed"
    origin: str  # "model" or "user"


@dataclass
class SimilarProduct:
    sku: str
    title: str
    similarity: float
    photo_id: int


@dataclass
class TaggedPhoto:
    path: Path  # the file as dropped
    photo_id: int
    location: str  # relative to the shop folder
    stored_path: Path  # the copy inside the shop folder
    sha256: str
    width: int
    height: int
    product_sku: str | None
    tags: list[PhotoTag] = field(default_factory=list)
    similar: list[SimilarProduct] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)  # photo ids


@dataclass
class PhotoProblem:
    path: Path
    reason: str
    fix: str

    @property
    def message(self) -> str:
        return f"{self.path.name}: {self.reason}. {self.fix}."


@dataclass
class TaggingReport:
    photos: list[TaggedPhoto] = field(default_factory=list)
    problems: list[PhotoProblem] = field(default_factory=list)
    seconds: float = 0.0
    has_category_head: bool = False


@dataclass
class TrainingSummary:
    run_id: int
    model_id: int
    version: int
    classes: list[str]
    training_photos: int
    validation_photos: int
    validation_accuracy: float | None
    validation_macro_f1: float | None
    corrections_used: int
    seconds: float


# ---------------------------------------------------------------- tagging


def tag_photos(
    shop_path: Path,
    paths: list[Path],
    progress=no_progress,
    cancel: CancelToken | None = None,
) -> TaggingReport:
    """Copy photos into the shop, suggest tags for each and store them.

    Each photo is copied to `photos/<sha256 prefix><suffix>` inside the shop folder,
    named by its content, so nothing is written outside the shop folder and the
    same photo dropped twice is stored once. Tags the owner accepted or removed
    earlier are kept; the model's other suggestions are replaced.

    Args:
        shop_path: the shop's SQLite file.
        paths: photo files; folders are not expanded here.
        progress: called with (fraction 0-1, text).
        cancel: checked between batches of 8 photos.

    Returns:
        A report with one entry per tagged photo and one per bad file.

    Raises:
        CancelledError: on cancel. Photos of finished batches stay tagged.
    """
    started = time.monotonic()
    report = TaggingReport()
    throttled = ThrottledProgress(progress)
    with open_store(shop_path) as store:
        context = _TaggingContext.load(store)
        report.has_category_head = context.head is not None
        for start in range(0, len(paths), BATCH_SIZE):
            if cancel is not None:
                cancel.raise_if_cancelled("Tagging photos")
            batch = paths[start : start + BATCH_SIZE]
            throttled(
                start / max(len(paths), 1),
                f"Tagging photo {start + 1:,} of {len(paths):,}",
            )
            _tag_batch(store, context, batch, report)
    report.seconds = time.monotonic() - started
    throttled(1.0, f"Tagged {len(report.photos):,} photos")
    log.info(
        "Tagged %d photos, %d problems, in %.1f s",
        len(report.photos),
        len(report.problems),
        report.seconds,
    )
    return report


class _TaggingContext:
    """The category head and the embeddings of the shop's photos, shared by batches."""

    def __init__(self, head, catalog_ids, catalog_skus, catalog_vectors) -> None:
        self.head = head
        self.catalog_ids: list[int] = catalog_ids
        self.catalog_skus: list[str | None] = catalog_skus
        self.catalog_vectors: np.ndarray = catalog_vectors

    @classmethod
    def load(cls, store: Store) -> _TaggingContext:
        head = load_active_head(store)
        ids, skus, vectors = _embedded_photos(store)
        return cls(head, ids, skus, vectors)

    def add(self, photo_id: int, sku: str | None, vector: np.ndarray) -> None:
        unit = vector / max(float(np.linalg.norm(vector)), 1e-12)
        self.catalog_ids.append(photo_id)
        self.catalog_skus.append(sku)
        self.catalog_vectors = np.vstack([self.catalog_vectors, unit[None, :]])


def load_active_head(store: Store):
    """Return the active category head, or None when none was trained."""
    from engine.vision.head import CategoryHead

    record = modelstore.active_model(store, "vision")
    if record is None or record.file is None or not record.file.exists():
        return None
    trained_on = record.metrics.get("embedding_model")
    if trained_on != photo_embeddings.EMBEDDING_MODEL:
        # A head reads one embedding model's vectors only. Photos get no category
        # suggestions until the tagger is trained again.
        log.warning(
            "Photo category head v%d was trained on %s embeddings, not %s, "
            "so it is not used until the tagger is trained again",
            record.version,
            trained_on,
            photo_embeddings.EMBEDDING_MODEL,
        )
        return None
    return CategoryHead.load(record.file)


def _embedded_photos(store: Store) -> tuple[list[int], list[str | None], np.ndarray]:
    rows = store.conn.execute(
        "SELECT p.id, p.product_sku, e.vector FROM product_photos p "
        "JOIN photo_embeddings e ON e.sha256 = p.sha256 AND e.model = ? ORDER BY p.id",
        (photo_embeddings.EMBEDDING_MODEL,),
    ).fetchall()
    if not rows:
        return [], [], np.zeros((0, photo_embeddings.DIMENSIONS), np.float32)
    vectors = np.stack([np.frombuffer(row[2], dtype=np.float32) for row in rows])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (
        [row[0] for row in rows],
        [row[1] for row in rows],
        vectors / np.maximum(norms, 1e-12),
    )


def _tag_batch(
    store: Store, context: _TaggingContext, batch: list[Path], report: TaggingReport
) -> None:
    from engine.vision.backbone import imagenet_class_names
    from engine.vision.colours import dominant_colours
    from engine.vision.objects import object_tags

    loaded: list[LoadedPhoto] = []
    for path, result in zip(batch, load_photos(batch)):
        if isinstance(result, PhotoLoadError):
            log.warning("Skipped photo %s: %s", Path(path).name, result.reason)
            report.problems.append(PhotoProblem(Path(path), result.reason, result.fix))
        else:
            loaded.append(result)
    if not loaded:
        return

    vectors, probabilities = _features_for(store, loaded)
    colours = map_photos(dominant_colours, [photo.image for photo in loaded])
    class_names = imagenet_class_names()
    for photo, vector, photo_probabilities, colour_tags in zip(
        loaded, vectors, probabilities, colours
    ):
        try:
            photo_id, location, sku = _store_photo(store, photo)
        except OSError as error:
            reason = (
                f"could not be copied into the shop folder ({error.strerror or error})"
            )
            report.problems.append(
                PhotoProblem(photo.path, reason, _copy_fix(error, store.folder))
            )
            continue
        suggestions = _category_suggestions(context, vector)
        suggestions += [
            ("object", tag.name, tag.confidence)
            for tag in object_tags(photo_probabilities, class_names)
        ]
        suggestions += [("colour", tag.name, tag.share) for tag in colour_tags]
        similar, duplicates = _neighbours(store, context, photo_id, vector)
        if similar and sku is None:
            suggestions.append(("product", similar[0].sku, similar[0].similarity))
        _replace_suggestions(store, photo_id, suggestions)
        if photo_id not in context.catalog_ids:
            context.add(photo_id, sku, vector)
        report.photos.append(
            TaggedPhoto(
                path=photo.path,
                photo_id=photo_id,
                location=location,
                stored_path=store.folder / location,
                sha256=photo.sha256,
                width=photo.width,
                height=photo.height,
                product_sku=sku,
                tags=photo_tags(store, photo_id),
                similar=similar,
                duplicates=duplicates,
            )
        )


def _copy_fix(error: OSError, folder: Path) -> str:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Check that you may write to the shop folder {folder}"
    return "Check free disk space"


def _features_for(
    store: Store, photos: list[LoadedPhoto]
) -> tuple[np.ndarray, np.ndarray]:
    cached = photo_embeddings.cached_embeddings(
        store, [photo.sha256 for photo in photos]
    )
    missing = [photo for photo in photos if photo.sha256 not in cached]
    computed: dict[str, np.ndarray] = {}
    if missing:
        features = photo_embeddings.compute_features([photo.image for photo in missing])
        computed = dict(zip((photo.sha256 for photo in missing), features.embeddings))
        photo_embeddings.save_embeddings(store, computed)
    vectors = np.stack(
        [cached.get(photo.sha256, computed.get(photo.sha256)) for photo in photos]
    )
    return vectors, photo_embeddings.imagenet_probabilities(vectors)


def _store_photo(store: Store, photo: LoadedPhoto) -> tuple[int, str, str | None]:
    row = store.conn.execute(
        "SELECT id, location, product_sku FROM product_photos WHERE sha256 = ? "
        "ORDER BY product_sku IS NULL, id LIMIT 1",
        (photo.sha256,),
    ).fetchone()
    if row is not None:
        return int(row[0]), row[1], row[2]

    location = f"{PHOTO_FOLDER}/{photo.sha256[:24]}{FORMAT_SUFFIXES[photo.format]}"
    destination = store.folder / location
    if not destination.exists():
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(destination.name + ".partial")
        shutil.copyfile(photo.path, partial)
        partial.replace(destination)
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO product_photos (product_sku, location, alt_text, width, height, "
            "sha256, source, added_at) VALUES (NULL, ?, ?, ?, ?, ?, 'dropped', ?)",
            (
                location,
                photo.path.name,
                photo.width,
                photo.height,
                photo.sha256,
                utc_now(),
            ),
        )
    return int(cursor.lastrowid), location, None


def _category_suggestions(context: _TaggingContext, vector: np.ndarray) -> list[tuple]:
    if context.head is None:
        return []
    probabilities = context.head.predict_proba(vector[None, :])[0]
    order = np.argsort(-probabilities)[:MAX_CATEGORY_TAGS]
    return [
        ("category", context.head.classes[i], float(probabilities[i]))
        for rank, i in enumerate(order)
        if rank == 0 or probabilities[i] >= MIN_CATEGORY_CONFIDENCE
    ]


def _neighbours(
    store: Store, context: _TaggingContext, photo_id: int, vector: np.ndarray
):
    if not context.catalog_ids:
        return [], []
    unit = vector / max(float(np.linalg.norm(vector)), 1e-12)
    similarities = context.catalog_vectors @ unit
    duplicates: list[int] = []
    best: dict[str, tuple[float, int]] = {}
    for index in np.argsort(-similarities):
        other_id, sku = context.catalog_ids[index], context.catalog_skus[index]
        if other_id == photo_id:
            continue
        if similarities[index] >= DUPLICATE_SIMILARITY:
            duplicates.append(other_id)
        if sku is not None and sku not in best:
            best[sku] = (float(similarities[index]), other_id)
        if len(best) >= SIMILAR_COUNT and similarities[index] < DUPLICATE_SIMILARITY:
            break
    return _similar_products(store, best), duplicates


def _similar_products(
    store: Store, best: dict[str, tuple[float, int]]
) -> list[SimilarProduct]:
    titles = (
        dict(
            store.conn.execute(
                f"SELECT sku, title FROM products WHERE sku IN ({','.join('?' * len(best))})",
                list(best),
            ).fetchall()
        )
        if best
        else {}
    )
    ranked = sorted(best.items(), key=lambda item: -item[1][0])[:SIMILAR_COUNT]
    return [
        SimilarProduct(sku, titles.get(sku, sku), similarity, photo_id)
        for sku, (similarity, photo_id) in ranked
    ]


def _replace_suggestions(store: Store, photo_id: int, suggestions: list[tuple]) -> None:
    now = utc_now()
    with store.transaction() as conn:
        decided = {
            (kind, value)
            for kind, value in conn.execute(
                "SELECT kind, value FROM tags WHERE photo_id = ? AND status != 'suggested'",
                (photo_id,),
            )
        }
        conn.execute(
            "DELETE FROM tags WHERE photo_id = ? AND status = 'suggested' AND origin = 'model'",
            (photo_id,),
        )
        conn.executemany(
            "INSERT INTO tags (photo_id, kind, value, confidence, origin, status, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, 'model', 'suggested', ?, ?)",
            [
                (photo_id, kind, value, confidence, now, now)
                for kind, value, confidence in suggestions
                if (kind, value) not in decided
            ],
        )


# ---------------------------------------------------------------- reading and corrections


def photo_tags(store: Store, photo_id: int) -> list[PhotoTag]:
    """Return a photo's tags, most confident first within each kind."""
    rows = store.conn.execute(
        "SELECT id, kind, value, confidence, status, origin FROM tags WHERE photo_id = ? "
        "ORDER BY kind, status = 'removed', COALESCE(confidence, 2) DESC, id",
        (photo_id,),
    ).fetchall()
    return [PhotoTag(*row) for row in rows]


def set_tag_status(store: Store, tag_ids: list[int], status: str) -> None:
    """Mark tags as accepted or removed by the owner; the next training uses them."""
    if status not in ("accepted", "removed", "suggested"):
        raise ValueError(f"unexpected tag status {status!r}")
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE tags SET status = ?, updated_at = ? WHERE id = ?",
            [(status, utc_now(), tag_id) for tag_id in tag_ids],
        )


def add_tag(store: Store, photo_ids: list[int], kind: str, value: str) -> int:
    """Add an accepted tag from the owner to each photo; return how many were new."""
    value = value.strip()
    if not value:
        raise ValueError("a tag needs a value")
    now, added = utc_now(), 0
    with store.transaction() as conn:
        for photo_id in photo_ids:
            updated = conn.execute(
                "UPDATE tags SET status = 'accepted', updated_at = ? "
                "WHERE photo_id = ? AND kind = ? AND value = ?",
                (now, photo_id, kind, value),
            ).rowcount
            if updated:
                continue
            conn.execute(
                "INSERT INTO tags (photo_id, kind, value, confidence, origin, status, "
                "created_at, updated_at) VALUES (?, ?, ?, NULL, 'user', 'accepted', ?, ?)",
                (photo_id, kind, value, now, now),
            )
            added += 1
    return added


def link_photo(store: Store, photo_id: int, sku: str) -> None:
    """Attach a photo to a catalog product and record the link as an accepted tag."""
    with store.transaction() as conn:
        if (
            conn.execute("SELECT 1 FROM products WHERE sku = ?", (sku,)).fetchone()
            is None
        ):
            raise ValueError(f"no product with SKU {sku!r}")
        conn.execute(
            "UPDATE product_photos SET product_sku = ? WHERE id = ?", (sku, photo_id)
        )
    add_tag(store, [photo_id], "product", sku)


def similar_products(
    store: Store, photo_id: int, count: int = SIMILAR_COUNT
) -> list[SimilarProduct]:
    """Return the catalog products whose photos look most like photo `photo_id`."""
    context = _TaggingContext(None, *_embedded_photos(store))
    if photo_id not in context.catalog_ids:
        return []
    vector = context.catalog_vectors[context.catalog_ids.index(photo_id)]
    similar, _ = _neighbours(store, context, photo_id, vector)
    return similar[:count]


# ---------------------------------------------------------------- training


@dataclass
class _TrainingPhoto:
    photo_id: int
    path: Path
    sha256: str | None
    group: str  # photos of one product share a group and one side of the split
    label: str


def train_tagger(
    shop_path: Path,
    progress=no_progress,
    cancel: CancelToken | None = None,
) -> TrainingSummary:
    """Train the category head on catalog photos and the owner's category tags.

    Labels are each product's category. An accepted category tag overrides it, and
    a removed category tag equal to the label drops that photo. Accuracy is
    measured on a validation split by product (20% of products), then the head is
    refitted on all photos, saved, and made active.

    Raises:
        NotEnoughPhotosError: fewer than two categories with two photos each.
        CancelledError: on cancel; the model in use does not change.
    """
    started = time.monotonic()
    cancel = cancel or CancelToken()
    with open_store(shop_path) as store:
        run_id = modelstore.start_training(store, "vision")
        try:
            summary = _train(store, run_id, progress, cancel, started)
        except CancelledError:
            modelstore.finish_training(
                store, run_id, "cancelled", "Cancelled by the owner"
            )
            raise
        except BaseException as error:
            modelstore.finish_training(store, run_id, "failed", str(error))
            raise
    log.info(
        "Trained photo category head v%d on %d photos in %.1f s, validation accuracy %s",
        summary.version,
        summary.training_photos,
        summary.seconds,
        summary.validation_accuracy,
    )
    return summary


def _train(
    store: Store, run_id: int, progress, cancel: CancelToken, started: float
) -> TrainingSummary:
    from engine.vision.head import fit_head

    photos, corrections = _training_photos(store)
    progress(0.0, "Reading catalog photos")
    vectors, photos = _training_embeddings(
        store, photos, ThrottledProgress(progress, end=0.8), cancel
    )
    labels = [photo.label for photo in photos]
    counts = {label: labels.count(label) for label in set(labels)}
    keep = [i for i, label in enumerate(labels) if counts[label] >= 2]
    if len({labels[i] for i in keep}) < 2:
        raise NotEnoughPhotosError(
            len([c for c in counts.values() if c >= 2]), len(keep)
        )
    photos = [photos[i] for i in keep]
    vectors = vectors[keep]
    labels = [labels[i] for i in keep]

    cancel.raise_if_cancelled("Training the photo tagger")
    progress(0.82, "Measuring accuracy on held-out products")
    accuracy, macro_f1, validation_count = _validate(
        vectors, labels, [p.group for p in photos]
    )

    cancel.raise_if_cancelled("Training the photo tagger")
    progress(0.9, "Training on all photos")
    head = fit_head(vectors, labels)

    cancel.raise_if_cancelled("Training the photo tagger")
    progress(0.96, "Saving the model")
    version = modelstore.next_version(store, HEAD_NAME)
    destination = modelstore.model_file_path(
        store, "vision", HEAD_NAME, version, ".npz"
    )
    with modelstore.write_model_file(destination) as temporary:
        head.save(temporary)
    metrics = {
        "validation_accuracy": accuracy,
        "validation_macro_f1": macro_f1,
        "validation_photos": validation_count,
        "training_photos": len(labels),
        "classes": len(head.classes),
        "corrections_used": corrections,
        "embedding_model": photo_embeddings.EMBEDDING_MODEL,
    }
    model_id = modelstore.register_model(
        store,
        name=HEAD_NAME,
        kind="vision",
        version=version,
        metrics=metrics,
        file=destination,
        training_run_id=run_id,
        activate=True,
    )
    modelstore.finish_training(store, run_id, "completed", metrics=metrics)
    progress(1.0, "Training finished")
    return TrainingSummary(
        run_id=run_id,
        model_id=model_id,
        version=version,
        classes=head.classes,
        training_photos=len(labels),
        validation_photos=validation_count,
        validation_accuracy=accuracy,
        validation_macro_f1=macro_f1,
        corrections_used=corrections,
        seconds=time.monotonic() - started,
    )


def _training_photos(store: Store) -> tuple[list[_TrainingPhoto], int]:
    rows = store.conn.execute(
        "SELECT ph.id, ph.location, ph.sha256, ph.product_sku, pr.category "
        "FROM product_photos ph LEFT JOIN products pr ON pr.sku = ph.product_sku "
        "ORDER BY ph.id"
    ).fetchall()
    accepted: dict[int, str] = {}
    removed: set[tuple[int, str]] = set()
    for photo_id, value, status in store.conn.execute(
        "SELECT photo_id, value, status FROM tags WHERE kind = 'category' "
        "AND status != 'suggested' ORDER BY updated_at, id"
    ):
        if status == "accepted":
            accepted[photo_id] = value
        else:
            removed.add((photo_id, value))

    photos, corrections = [], 0
    for photo_id, location, sha256, sku, category in rows:
        label = accepted.get(photo_id) or category
        if label is None or (photo_id, label) in removed:
            corrections += (photo_id, category) in removed
            continue
        corrections += photo_id in accepted
        if "://" in location:
            continue
        group = sku or f"photo-{photo_id}"
        photos.append(
            _TrainingPhoto(photo_id, store.folder / location, sha256, group, label)
        )
    return photos, corrections


def _training_embeddings(store: Store, photos, progress, cancel: CancelToken):
    cached = photo_embeddings.cached_embeddings(
        store, [p.sha256 for p in photos if p.sha256]
    )
    vectors, kept = [], []
    for start in range(0, len(photos), BATCH_SIZE):
        cancel.raise_if_cancelled("Training the photo tagger")
        progress(
            start / max(len(photos), 1),
            f"Reading photo {start + 1:,} of {len(photos):,}",
        )
        batch = photos[start : start + BATCH_SIZE]
        missing = [photo for photo in batch if photo.sha256 not in cached]
        loaded: dict[int, LoadedPhoto] = {}
        results = load_photos([photo.path for photo in missing])
        for photo, result in zip(missing, results):
            if isinstance(result, PhotoLoadError):
                log.warning(
                    "Training skipped photo %s: %s", photo.path.name, result.reason
                )
            else:
                loaded[photo.photo_id] = result
        if loaded:
            features = photo_embeddings.compute_features(
                [item.image for item in loaded.values()]
            )
            new = {
                item.sha256: vector
                for item, vector in zip(loaded.values(), features.embeddings)
            }
            photo_embeddings.save_embeddings(store, new)
            cached.update(new)
            _record_hashes(store, {photo_id: item for photo_id, item in loaded.items()})
        for photo in batch:
            sha256 = photo.sha256 or (
                loaded[photo.photo_id].sha256 if photo.photo_id in loaded else None
            )
            if sha256 in cached:
                vectors.append(cached[sha256])
                kept.append(photo)
    if not vectors:
        return np.zeros((0, photo_embeddings.DIMENSIONS), np.float32), []
    return np.stack(vectors), kept


def _record_hashes(store: Store, loaded: dict[int, LoadedPhoto]) -> None:
    # Catalog photos imported from exports have no hash yet. Storing it links the
    # photo to its cached embedding for similarity search.
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE product_photos SET sha256 = ?, width = COALESCE(width, ?), "
            "height = COALESCE(height, ?) WHERE id = ? AND sha256 IS NULL",
            [
                (item.sha256, item.width, item.height, photo_id)
                for photo_id, item in loaded.items()
            ],
        )


def _validate(vectors: np.ndarray, labels: list[str], groups: list[str]):
    from engine.vision.head import fit_head
    from engine.vision.metrics import group_split, macro_f1

    train, test = group_split(groups, labels, VALIDATION_SHARE, seed=0)
    train_labels = [labels[i] for i in train]
    if len(test) == 0 or len(set(train_labels)) < 2:
        return None, None, 0
    head = fit_head(vectors[train], train_labels)
    predicted = head.predict(vectors[test])
    truth = [labels[i] for i in test]
    accuracy = float(np.mean([p == t for p, t in zip(predicted, truth)]))
    return accuracy, macro_f1(truth, predicted), len(test)


# ---------------------------------------------------------------- listing


@dataclass
class PhotoRow:
    """One photo of the shop as the Photos tab lists it."""

    photo_id: int
    path: Path  # absolute, or a web address for photos only known by their link
    product_sku: str | None
    product_title: str | None
    tags: list[PhotoTag]
    original_name: str | None = None  # the file name it was dropped with


# The Photos tab lists at most this many photos at once.
LIST_LIMIT = 5000


def list_photos(
    shop_path: Path, tag: str | None = None, limit: int = LIST_LIMIT
) -> list[PhotoRow]:
    """Return the shop's photos with their tags: tagged first, then newest drops.

    Args:
        tag: keep only photos with a tag of this value that was not removed
            (case-insensitive for ASCII letters). A category also matches by its
            last part, which the grid shows, so "bags" finds "Gear/Bags".
    """
    with open_store(shop_path) as store:
        query = (
            "SELECT ph.id, ph.location, ph.product_sku, pr.title, ph.alt_text, "
            "ph.source = 'dropped' "
            "FROM product_photos ph "
            "LEFT JOIN products pr ON pr.sku = ph.product_sku "
        )
        parameters: list = []
        if tag:
            query += (
                "WHERE ph.id IN (SELECT photo_id FROM tags WHERE status != 'removed' "
                "AND (value = ? COLLATE NOCASE OR "
                "(kind = 'category' AND value LIKE ? ESCAPE '\\'))) "
            )
            value = tag.strip()
            parameters += [value, "%/" + _escape_like(value)]
        query += (
            "ORDER BY EXISTS (SELECT 1 FROM tags t WHERE t.photo_id = ph.id) DESC, "
            "ph.source = 'dropped' DESC, ph.id DESC LIMIT ?"
        )
        rows = store.conn.execute(query, [*parameters, limit]).fetchall()
        tags_by_photo = _tags_by_photo(store, [row[0] for row in rows])
        folder = store.folder
    return [
        PhotoRow(
            photo_id=photo_id,
            path=Path(location) if "://" in location else folder / location,
            product_sku=sku,
            product_title=title,
            tags=tags_by_photo.get(photo_id, []),
            original_name=alt_text if source_is_drop else None,
        )
        for photo_id, location, sku, title, alt_text, source_is_drop in rows
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tags_by_photo(store: Store, photo_ids: list[int]) -> dict[int, list[PhotoTag]]:
    found: dict[int, list[PhotoTag]] = {}
    for start in range(0, len(photo_ids), 500):
        chunk = photo_ids[start : start + 500]
        rows = store.conn.execute(
            "SELECT photo_id, id, kind, value, confidence, status, origin FROM tags "
            f"WHERE photo_id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY kind, status = 'removed', COALESCE(confidence, 2) DESC, id",
            chunk,
        ).fetchall()
        for photo_id, *values in rows:
            found.setdefault(photo_id, []).append(PhotoTag(*values))
    return found


def tag_values(shop_path: Path) -> list[str]:
    """Return every tag value in use (not removed), most used first, for filtering."""
    with open_store(shop_path) as store:
        rows = store.conn.execute(
            "SELECT value, COUNT(*) FROM tags WHERE status != 'removed' AND kind != 'product' "
            "GROUP BY value ORDER BY COUNT(*) DESC, value"
        ).fetchall()
    return [value for value, _ in rows]
