"""Tagging, training, cancel and corrections on a small shop of real Luma photos."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import modelstore
from engine.errors import CancelledError
from engine.progress import CancelToken
from engine.store import open_store, utc_now
from engine.vision import embeddings as photo_embeddings
from engine.vision import service
from engine.vision.colours import dominant_colours

# Three small categories of the Luma catalog: 26 photos of 24 products.
CATEGORIES = ("Gear/Watches", "Gear/Bags", "Gear/Fitness Equipment")


def build_shop(folder: Path, luma: Path) -> Path:
    """Create a shop with the Luma gear products and their photos under photos/."""
    shop_path = folder / "shop.db"
    rows = [
        row
        for row in csv.DictReader(open(luma / "image_labels.csv", encoding="utf-8"))
        if row["category"] in CATEGORIES
    ]
    now = utc_now()
    with open_store(shop_path, create=True) as store, store.transaction() as conn:
        for row in rows:
            conn.execute(
                "INSERT OR IGNORE INTO products (sku, title, category, source, created_at, "
                "updated_at) VALUES (?, ?, ?, 'test', ?, ?)",
                (row["sku"], row["product_name"], row["category"], now, now),
            )
            location = "photos/catalog/" + Path(row["image_file"]).name
            (folder / location).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(luma / row["image_file"], folder / location)
            conn.execute(
                "INSERT INTO product_photos (product_sku, location, source, added_at) "
                "VALUES (?, ?, 'test', ?)",
                (row["sku"], location, now),
            )
    return shop_path


@pytest.fixture(scope="module")
def trained_shop(tmp_path_factory):
    from bench.datasets import luma_catalog_dir

    folder = tmp_path_factory.mktemp("gear")
    shop_path = build_shop(folder, luma_catalog_dir())
    summary = service.train_tagger(shop_path)
    return shop_path, summary


@pytest.fixture
def shop_copy(trained_shop, tmp_path):
    shop_path, _ = trained_shop
    copy = tmp_path / "shop"
    shutil.copytree(shop_path.parent, copy)
    return copy / "shop.db"


@pytest.mark.slow
def test_training_recorded(trained_shop):
    shop_path, summary = trained_shop

    assert summary.classes == sorted(CATEGORIES)
    assert summary.training_photos >= 40
    assert summary.validation_accuracy is not None
    assert summary.validation_accuracy >= 0.6
    with open_store(shop_path) as store:
        model = modelstore.active_model(store, "vision")
        run = modelstore.last_training_run(store, "vision")
    assert model is not None
    assert model.id == summary.model_id
    assert model.file.exists()
    assert run["status"] == "completed"
    assert run["metrics"]["validation_accuracy"] == summary.validation_accuracy


@pytest.mark.slow
def test_tags_for_dropped_photo(shop_copy, shared_data, tmp_path):
    dropped = tmp_path / "drop" / "new backpack.jpg"
    dropped.parent.mkdir()
    source = shared_data / "magento-luma-catalog/images/m/b/mb03-black-0.jpg"
    image = Image.open(source).convert("RGB")
    # A resized re-save: new content, so it is a new photo, but a near-duplicate.
    image.resize((540, 670)).save(dropped, quality=85)

    report = service.tag_photos(shop_copy, [dropped])
    photo = report.photos[0]
    tags = {(tag.kind, tag.value) for tag in photo.tags}

    assert report.problems == []
    assert photo.location == f"photos/{photo.sha256[:24]}.jpg"
    assert photo.stored_path.exists()
    assert photo.stored_path.parent == shop_copy.parent / "photos"
    assert ("category", "Gear/Bags") in tags
    assert ("object", "backpack") in tags
    assert ("colour", "black") in tags
    assert photo.similar[0].sku == "24-MB03"
    assert ("product", "24-MB03") in tags
    assert photo.duplicates


@pytest.mark.slow
def test_batch_goes_on_past_bad_files(shop_copy, cases):
    paths = [
        cases / "C19_truncated.jpg",
        cases / "C14_cmyk.jpg",
        cases / "C19_html_saved_as.jpg",
        cases / "C20_bomb_20000x20000.png",
        cases / "C16_rgba_transparent_bg.png",
    ]

    report = service.tag_photos(shop_copy, paths)
    problems = {problem.path.name: problem.reason for problem in report.problems}

    assert [photo.path.name for photo in report.photos] == [
        "C14_cmyk.jpg",
        "C16_rgba_transparent_bg.png",
    ]
    assert problems["C19_truncated.jpg"].startswith("truncated")
    assert problems["C19_html_saved_as.jpg"].startswith("not an image (HTML")
    assert problems["C20_bomb_20000x20000.png"].startswith("too large (400 MP")


@pytest.mark.slow
def test_cmyk_tags_match_rgb(shop_copy, cases):
    report = service.tag_photos(
        shop_copy, [cases / "C13_exif_orientation6.jpg", cases / "C14_cmyk.jpg"]
    )
    rgb, cmyk = report.photos

    def top(photo, kind):
        return next(tag.value for tag in photo.tags if tag.kind == kind)

    assert top(cmyk, "colour") == top(rgb, "colour") == "red"
    assert top(cmyk, "category") == top(rgb, "category")
    # The drawing is no product, so its ImageNet objects hover near the tag
    # threshold. The embeddings show that both copies look the same.
    with open_store(shop_copy) as store:
        vectors = photo_embeddings.cached_embeddings(store, [rgb.sha256, cmyk.sha256])
    first, second = vectors[rgb.sha256], vectors[cmyk.sha256]
    cosine = first @ second / (np.linalg.norm(first) * np.linalg.norm(second))
    assert cosine > 0.95


@pytest.mark.slow
def test_embeddings_cached_by_content(shop_copy, cases, monkeypatch, tmp_path):
    first = tmp_path / "a.webp"
    second = tmp_path / "renamed copy.jpg"
    shutil.copyfile(cases / "C18_product.webp", first)
    service.tag_photos(shop_copy, [first])
    shutil.copyfile(first, second)

    def fail(images):
        raise AssertionError("the cached embedding should be used")

    monkeypatch.setattr(photo_embeddings, "compute_features", fail)
    report = service.tag_photos(shop_copy, [second])

    assert report.photos[0].location.endswith(".webp")
    with open_store(shop_copy) as store:
        count = store.conn.execute(
            "SELECT COUNT(*) FROM product_photos WHERE sha256 = ?",
            (report.photos[0].sha256,),
        ).fetchone()[0]
    assert count == 1


@pytest.mark.slow
def test_cancel_keeps_active_model(shop_copy):
    with open_store(shop_copy) as store:
        before = modelstore.active_model(store, "vision").id
    token = CancelToken()

    def cancel_soon(fraction, text):
        if fraction > 0.85:
            token.cancel()

    with pytest.raises(CancelledError):
        service.train_tagger(shop_copy, progress=cancel_soon, cancel=token)

    with open_store(shop_copy) as store:
        assert modelstore.active_model(store, "vision").id == before
        assert modelstore.last_training_run(store, "vision")["status"] == "cancelled"


@pytest.mark.slow
def test_tagging_cancel_stops_batches(shop_copy, cases):
    token = CancelToken()
    token.cancel()

    with pytest.raises(CancelledError):
        service.tag_photos(shop_copy, [cases / "C14_cmyk.jpg"], cancel=token)


@pytest.mark.slow
def test_head_of_other_embeddings_unused(shop_copy, cases):
    with open_store(shop_copy) as store, store.transaction() as conn:
        conn.execute(
            "UPDATE models SET metrics = json_set(metrics, '$.embedding_model', "
            "'efficientnet-lite0-imagenet/crop') WHERE kind = 'vision'"
        )

    report = service.tag_photos(shop_copy, [cases / "C14_cmyk.jpg"])
    kinds = {tag.kind for tag in report.photos[0].tags}

    assert report.has_category_head is False
    assert "category" not in kinds
    assert "colour" in kinds


@pytest.mark.slow
def test_corrections_kept_and_used(trained_shop, shop_copy, cases):
    report = service.tag_photos(shop_copy, [cases / "C16_palette_trns.png"])
    photo = report.photos[0]
    colour = next(tag for tag in photo.tags if tag.kind == "colour")
    category = next(tag for tag in photo.tags if tag.kind == "category")

    with open_store(shop_copy) as store:
        service.set_tag_status(store, [colour.id], "removed")
        service.set_tag_status(store, [category.id], "accepted")
        assert service.add_tag(store, [photo.photo_id], "object", "tote bag") == 1

    again = service.tag_photos(shop_copy, [cases / "C16_palette_trns.png"]).photos[0]
    states = {(tag.kind, tag.value): tag.status for tag in again.tags}
    summary = service.train_tagger(shop_copy)

    assert states[("colour", colour.value)] == "removed"
    assert states[("category", category.value)] == "accepted"
    assert states[("object", "tote bag")] == "accepted"
    assert summary.corrections_used == 1
    # The dropped photo joins training through its accepted category tag.
    assert summary.training_photos == trained_shop[1].training_photos + 1


@pytest.mark.slow
def test_link_photo_to_product(shop_copy, cases):
    photo = service.tag_photos(shop_copy, [cases / "C18_product.avif"]).photos[0]

    with open_store(shop_copy) as store:
        service.link_photo(store, photo.photo_id, "24-MB01")
        sku = store.conn.execute(
            "SELECT product_sku FROM product_photos WHERE id = ?", (photo.photo_id,)
        ).fetchone()[0]
        similar = service.similar_products(store, photo.photo_id)

    assert sku == "24-MB01"
    assert len(similar) == service.SIMILAR_COUNT


def test_tag_filter_lists_matching(shop_copy):
    with open_store(shop_copy) as store:
        photo_id = store.conn.execute("SELECT MIN(id) FROM product_photos").fetchone()[
            0
        ]
        service.add_tag(store, [photo_id], "colour", "teal")

    rows = service.list_photos(shop_copy, tag="Teal")

    assert [row.photo_id for row in rows] == [photo_id]
    assert "teal" in service.tag_values(shop_copy)


def test_tag_filter_category_leaf(shop_copy):
    # The grid caption shows a category's last part ("Bags" for "Gear/Bags").
    with open_store(shop_copy) as store:
        first, second = [
            row[0]
            for row in store.conn.execute(
                "SELECT id FROM product_photos ORDER BY id LIMIT 2"
            )
        ]
        service.add_tag(store, [first], "category", "Gear/Bags")
        service.add_tag(store, [second], "object", "100%_bags")

    def listed(tag):
        return [row.photo_id for row in service.list_photos(shop_copy, tag=tag)]

    assert listed("bags") == [first]
    assert listed("Gear/Bags") == [first]
    assert listed("ags") == []
    assert listed("%bags") == []


def test_training_needs_two_categories(tmp_path):
    shop_path = tmp_path / "shop.db"
    open_store(shop_path, create=True).close()

    with pytest.raises(service.NotEnoughPhotosError):
        service.train_tagger(shop_path)
    with open_store(shop_path) as store:
        assert modelstore.last_training_run(store, "vision")["status"] == "failed"


def studio_photo(garment, skin=None) -> Image.Image:
    pixels = np.full((200, 160, 3), 250, dtype=np.uint8)
    if skin is not None:
        pixels[10:60, 60:100] = skin
        pixels[60:180, 20:40] = skin
        pixels[60:180, 120:140] = skin
    pixels[60:150, 40:120] = garment
    return Image.fromarray(pixels)


@pytest.mark.parametrize(
    ("garment", "name"),
    [
        ((25, 60, 160), "blue"),
        ((200, 30, 35), "red"),
        ((30, 120, 50), "green"),
        ((30, 30, 32), "black"),
        ((130, 130, 135), "gray"),
        ((110, 50, 150), "purple"),
        ((240, 140, 20), "orange"),
    ],
)
def test_colour_named_without_skin(garment, name):
    tags = dominant_colours(studio_photo(garment, skin=(224, 172, 140)))

    assert tags[0].name == name
    assert "white" not in [tag.name for tag in tags]


def test_white_garment_on_white():
    image = studio_photo((236, 236, 236))

    assert dominant_colours(image)[0].name == "white"


def test_copy_denied_names_permissions(tmp_path, cases, monkeypatch):
    shop_path = tmp_path / "shop.db"
    open_store(shop_path, create=True).close()

    def deny(source, destination):
        raise PermissionError(13, "Permission denied", str(destination))

    monkeypatch.setattr(service.shutil, "copyfile", deny)
    report = service.tag_photos(shop_path, [cases / "C14_cmyk.jpg"])

    assert report.photos == []
    assert report.problems[0].reason == (
        "could not be copied into the shop folder (Permission denied)"
    )
    assert report.problems[0].fix == (
        f"Check that you may write to the shop folder {tmp_path}"
    )
