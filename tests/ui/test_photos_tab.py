"""Photos tab: drops, problems list, responsiveness, corrections and training."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QElapsedTimer, QItemSelectionModel, QTimer

from engine import modelstore
from engine.store import open_store
from tests.engine.test_vision_tagging import build_shop
from tests.ui.qt_events import drop_files
from ui.tabs.photos_tab import PhotosTab, split_photo_drops

JOB_TIMEOUT_MS = 240_000


@pytest.fixture
def gear_shop(tmp_path, shared_data):
    return build_shop(tmp_path / "gear", shared_data / "magento-luma-catalog")


@pytest.fixture
def tab(qtbot, runner):
    widget = PhotosTab(runner)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    return widget


def wait_for_job(qtbot, job):
    if job.is_active:
        with qtbot.waitSignal(job.ended, timeout=JOB_TIMEOUT_MS):
            pass


def tag_status(shop_path, tag_id: int) -> str:
    with open_store(shop_path) as store:
        return store.conn.execute(
            "SELECT status FROM tags WHERE id = ?", (tag_id,)
        ).fetchone()[0]


def count_tagged(shop_path, value: str) -> int:
    with open_store(shop_path) as store:
        return store.conn.execute(
            "SELECT COUNT(*) FROM tags WHERE value = ? AND status = 'accepted'",
            (value,),
        ).fetchone()[0]


def wait_for_tagging(qtbot, tab):
    qtbot.waitUntil(lambda: tab.tagging_job is not None, timeout=JOB_TIMEOUT_MS)
    wait_for_job(qtbot, tab.tagging_job)


def test_split_drops_folders(cases, tmp_path):
    data_folder = tmp_path / "exports"
    data_folder.mkdir()
    (data_folder / "orders.csv").write_text("order,sku\n1,A\n")
    photo = cases / "C14_cmyk.jpg"
    csv_file = cases / "C10_orders_duplicates.csv"

    photos, rest = split_photo_drops(
        [photo, csv_file, cases / "C23_dropped_folder", data_folder]
    )

    assert photos == [photo, cases / "C23_dropped_folder"]
    assert rest == [csv_file, data_folder]


@pytest.mark.slow
def test_drop_lists_bad_files(qtbot, tab, gear_shop, cases, tmp_path):
    folder = tmp_path / "dropped"
    shutil.copytree(cases / "C23_dropped_folder", folder)
    tab.set_shop(gear_shop)
    tab.on_shown()

    assert drop_files(
        tab, [cases / "C19_truncated.jpg", cases / "C19_zero_bytes.jpg", folder]
    )
    wait_for_tagging(qtbot, tab)

    problems = tab.problems_label.text()
    assert "Not tagged: C19_truncated.jpg: truncated" in problems
    assert "Not tagged: C19_zero_bytes.jpg: empty file (0 bytes)" in problems
    assert "Skipped 4 files that are not photos" in problems
    assert tab.status_label.text().startswith(
        "Tagged 3 photos. 2 files could not be tagged"
    )
    assert {item.path.parent.name for item in tab.grid.photo_model.items[:3]} == {
        "photos"
    }


@pytest.mark.slow
def test_no_stalls_tagging_200(qtbot, tab, gear_shop, tmp_path, monkeypatch):
    from engine.vision import embeddings as photo_embeddings

    # The network itself runs on the worker either way; a fixed-cost stand-in
    # keeps this test about the window (decoding, colours, writes, thumbnails,
    # results) within a couple of minutes on a busy machine.
    def stand_in(images):
        rng = np.random.default_rng(len(images))
        vectors = rng.random(
            (len(images), photo_embeddings.DIMENSIONS), dtype=np.float32
        )
        return photo_embeddings.PhotoFeatures(vectors, np.zeros((len(images), 1000)))

    monkeypatch.setattr(photo_embeddings, "compute_features", stand_in)
    folder = tmp_path / "batch"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for number in range(200):
        pixels = rng.integers(0, 255, (300, 240, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"photo_{number:03}.jpg", quality=80)
    tab.set_shop(gear_shop)
    tab.on_shown()

    clock = QElapsedTimer()
    clock.start()
    gaps = []
    last = [clock.elapsed()]

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(tick)
    timer.start()
    tab.add_photos([folder])
    wait_for_tagging(qtbot, tab)
    deadline = time.monotonic() + 120
    while tab.grid.photo_model.missing_thumbnails() and time.monotonic() < deadline:
        qtbot.wait(50)
    timer.stop()

    assert tab.status_label.text().startswith("Tagged 200 photos.")
    assert tab.grid.photo_model.missing_thumbnails() == []
    assert max(gaps) < 200, f"largest event-loop stall {max(gaps)} ms"


@pytest.mark.slow
def test_chips_accept_and_add(qtbot, tab, gear_shop, cases):
    tab.set_shop(gear_shop)
    tab.on_shown()
    tab.add_photos([cases / "C14_cmyk.jpg", cases / "C18_product.webp"])
    wait_for_tagging(qtbot, tab)
    model, selection = tab.grid.photo_model, tab.grid.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select
    for row in (0, 1):
        selection.select(model.index(row), flags)

    chip = tab.tags_panel.chips()[0]
    chip.accept_button.click()
    qtbot.waitUntil(
        lambda: tag_status(gear_shop, chip.tag.id) == "accepted", timeout=JOB_TIMEOUT_MS
    )
    tab.tags_panel.value_edit.setText("sale")
    tab.tags_panel.add_button.click()
    qtbot.waitUntil(
        lambda: count_tagged(gear_shop, "sale") == 2, timeout=JOB_TIMEOUT_MS
    )

    assert len(tab.grid.selected_ids()) == 2
    assert tab.tags_panel.value_edit.text() == ""

    tab.filter_edit.setText("sale")
    tab.refresh()
    qtbot.waitUntil(
        lambda: len(tab.grid.photo_model.items) == 2, timeout=JOB_TIMEOUT_MS
    )
    assert tab.status_label.text() == "2 photos tagged 'sale'."


@pytest.mark.slow
def test_train_shows_accuracy(qtbot, tab, gear_shop):
    tab.set_shop(gear_shop)
    tab.on_shown()

    tab.train_button.click()
    wait_for_job(qtbot, tab.training_job)

    with open_store(gear_shop) as store:
        accuracy = modelstore.active_model(store, "vision").metrics[
            "validation_accuracy"
        ]
    assert tab.accuracy_label.text() == f"Category accuracy {accuracy:.0%}"
    assert tab.train_button.isEnabled()


@pytest.mark.slow
def test_train_cancel(qtbot, tab, gear_shop):
    tab.set_shop(gear_shop)
    tab.on_shown()

    tab.train_button.click()
    with qtbot.waitSignal(tab.training_job.progressed, timeout=JOB_TIMEOUT_MS):
        pass
    tab.cancel_button.click()
    wait_for_job(qtbot, tab.training_job)

    assert (
        tab.status_label.text()
        == "Training was cancelled. The tagger in use did not change."
    )
    with open_store(gear_shop) as store:
        assert modelstore.active_model(store, "vision") is None
        assert modelstore.last_training_run(store, "vision")["status"] == "cancelled"


@pytest.mark.slow
def test_same_photo_two_names(qtbot, tab, gear_shop, cases, tmp_path):
    copy = tmp_path / "copy of cmyk.jpg"
    shutil.copyfile(cases / "C14_cmyk.jpg", copy)
    tab.set_shop(gear_shop)
    tab.on_shown()

    tab.add_photos([cases / "C14_cmyk.jpg", copy])
    wait_for_tagging(qtbot, tab)

    model = tab.grid.photo_model
    ids = [item.photo_id for item in model.items]
    assert len(ids) == len(set(ids))
    assert tab.status_label.text().startswith("Tagged 1 photo.")
    # Every grid item gets its thumbnail, so the thumbnail jobs stop.
    qtbot.waitUntil(
        lambda: not model.missing_thumbnails() and tab.thumbnail_job is None,
        timeout=JOB_TIMEOUT_MS,
    )


def green_shop(folder, count: int):
    """Create a shop whose photos are all plain green squares."""
    from engine.store import utc_now

    shop_path = folder / "shop.db"
    (folder / "photos").mkdir(parents=True)
    with open_store(shop_path, create=True) as store, store.transaction() as conn:
        for number in range(count):
            location = f"photos/green-{number}.png"
            Image.new("RGB", (300, 300), (0, 200, 0)).save(folder / location)
            conn.execute(
                "INSERT INTO product_photos (location, source, added_at) "
                "VALUES (?, 'test', ?)",
                (location, utc_now()),
            )
    return shop_path


@pytest.mark.slow
def test_thumbnails_after_shop_switch(qtbot, tab, gear_shop, tmp_path):
    other_shop = green_shop(tmp_path / "green", 30)
    tab.set_shop(gear_shop)
    tab.on_shown()
    qtbot.waitUntil(lambda: tab.thumbnail_job is not None, timeout=JOB_TIMEOUT_MS)

    # What opening another shop does while the first shop's thumbnails are made.
    tab.set_shop(other_shop)
    model = tab.grid.photo_model
    qtbot.waitUntil(
        lambda: len(model.items) == 30
        and not model.missing_thumbnails()
        and tab.thumbnail_job is None,
        timeout=JOB_TIMEOUT_MS,
    )

    for item in model.items:
        image = item.icon.pixmap(64, 64).toImage()
        colour = image.pixelColor(32, 32)
        assert (colour.red(), colour.green()) == (0, 200), item.path.name


def two_product_shop(folder, luma):
    """Create a shop with one bag and one watch of two photos each."""
    import csv

    from engine.store import utc_now

    rows = list(csv.DictReader(open(luma / "image_labels.csv", encoding="utf-8")))
    shop_path = folder / "shop.db"
    (folder / "photos").mkdir(parents=True)
    now = utc_now()
    with open_store(shop_path, create=True) as store, store.transaction() as conn:
        for sku, category in (("BAG-1", "Gear/Bags"), ("WATCH-1", "Gear/Watches")):
            conn.execute(
                "INSERT INTO products (sku, title, category, source, created_at, "
                "updated_at) VALUES (?, ?, ?, 'test', ?, ?)",
                (sku, sku, category, now, now),
            )
            for row in [row for row in rows if row["category"] == category][:2]:
                location = "photos/" + row["image_file"].split("/")[-1]
                shutil.copyfile(luma / row["image_file"], folder / location)
                conn.execute(
                    "INSERT INTO product_photos (product_sku, location, source, "
                    "added_at) VALUES (?, ?, 'test', ?)",
                    (sku, location, now),
                )
    return shop_path


@pytest.mark.slow
def test_unmeasured_tagger_after_reopen(qtbot, tab, tmp_path, shared_data):
    # Two products leave none for validation, so accuracy is not measured.
    shop = two_product_shop(tmp_path / "two", shared_data / "magento-luma-catalog")
    tab.set_shop(shop)
    tab.on_shown()
    tab.train_button.click()
    wait_for_job(qtbot, tab.training_job)
    assert tab.accuracy_label.text() == "Accuracy not measured"

    tab.set_shop(None)
    tab.set_shop(shop)
    tab.on_shown()

    qtbot.waitUntil(lambda: not tab.runner.has_active_jobs(), timeout=JOB_TIMEOUT_MS)
    assert tab.accuracy_label.text() == "Accuracy not measured"


@pytest.mark.slow
def test_cancel_stops_both_drops(qtbot, tab, gear_shop, cases, tmp_path, shared_data):
    folder = tmp_path / "many"
    folder.mkdir()
    for path in sorted((shared_data / "magento-luma-catalog").glob("images/w/*/*.jpg"))[
        :120
    ]:
        shutil.copyfile(path, folder / path.name)
    tab.set_shop(gear_shop)
    tab.on_shown()
    tab.add_photos([folder])
    qtbot.waitUntil(lambda: tab.tagging_job is not None, timeout=JOB_TIMEOUT_MS)
    first = tab.tagging_job
    with qtbot.waitSignal(first.progressed, timeout=JOB_TIMEOUT_MS):
        pass

    # A second drop while the first is still being tagged.
    tab.add_photos([cases / "C14_cmyk.jpg"])
    qtbot.waitUntil(lambda: tab.tagging_job is not first, timeout=JOB_TIMEOUT_MS)
    second = tab.tagging_job
    tab.cancel_button.click()
    wait_for_job(qtbot, first)
    wait_for_job(qtbot, second)

    assert first.state.value == "cancelled"
    assert second.state.value == "cancelled"
    assert tab.progress_bar.isHidden()


def test_status_while_shop_opens(qtbot, tab, gear_shop):
    # The window sends no counts while a shop opens, then sets the shop.
    tab.show_counts(None)
    tab.set_shop(gear_shop)

    assert tab.status_label.text() == "Loading photos…"
    qtbot.waitUntil(
        lambda: tab.status_label.text() == "44 photos in this shop.",
        timeout=JOB_TIMEOUT_MS,
    )


@pytest.mark.slow
def test_cancel_finding_photos(qtbot, tab, gear_shop, tmp_path):
    folder = tmp_path / "big"
    for part in range(40):
        (folder / f"part {part}").mkdir(parents=True)
        for number in range(500):
            (folder / f"part {part}" / f"file-{number}").write_bytes(b"not a photo")
    tab.set_shop(gear_shop)
    tab.on_shown()
    qtbot.waitUntil(lambda: not tab.runner.has_active_jobs(), timeout=JOB_TIMEOUT_MS)

    with qtbot.waitSignal(tab.runner.job_added, timeout=5_000) as added:
        tab.add_photos([folder])
    finding = added.args[0]
    with qtbot.waitSignal(finding.started, timeout=5_000):
        pass
    started = time.monotonic()
    finding.cancel()
    wait_for_job(qtbot, finding)

    assert finding.state.value == "cancelled"
    assert time.monotonic() - started < 2.0


@pytest.mark.slow
def test_all_problems_listed(qtbot, tab, gear_shop, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for number in range(7):
        (folder / f"empty_{number}.jpg").write_bytes(b"")
    tab.set_shop(gear_shop)
    tab.on_shown()

    tab.add_photos([folder])
    wait_for_tagging(qtbot, tab)

    assert "… and 2 more files." in tab.problems_label.text()
    assert tab.all_problems_button.isVisible()
    listed = tab.all_problems_text()
    for number in range(7):
        assert f"empty_{number}.jpg: empty file (0 bytes)" in listed


def test_similar_for_other_photo_ignored(tab):
    tab.tags_panel.photo_id = 7
    tab.tags_panel.similar_list.clear()

    tab.on_similar_found(8, [])

    assert tab.tags_panel.similar_list.count() == 0


@pytest.mark.slow
def test_status_at_list_limit(qtbot, tab, gear_shop, cases, monkeypatch):
    from engine.vision import service

    tab.set_shop(gear_shop)
    tab.on_shown()
    tab.add_photos([cases / "C14_cmyk.jpg", cases / "C18_product.webp"])
    wait_for_tagging(qtbot, tab)
    monkeypatch.setattr(service, "LIST_LIMIT", 2)

    tab.refresh()

    qtbot.waitUntil(
        lambda: tab.status_label.text().startswith("Showing the first 2 photos."),
        timeout=JOB_TIMEOUT_MS,
    )


def test_skipped_files_singular():
    from ui.tabs.photos_tab import skipped_files

    assert skipped_files(1) == "Skipped 1 file that is not a photo"
    assert skipped_files(2_500) == "Skipped 2,500 files that are not photos"
