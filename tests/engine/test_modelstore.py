"""Model registry: versions, activation, atomic files and interrupted training."""

import json
import sqlite3

import pytest

from engine import modelstore
from engine.store import open_store


def test_new_model_becomes_active_only_when_asked(store):
    first = modelstore.register_model(
        store, name="ease", kind="recommend", version=1, metrics={"ndcg@10": 0.1},
        file=None, activate=True,
    )
    modelstore.register_model(
        store, name="ease", kind="recommend", version=2, metrics={"ndcg@10": 0.2},
        file=None,
    )

    active = modelstore.active_model(store, "recommend")
    assert active.id == first
    assert active.metrics == {"ndcg@10": 0.1}
    assert [m.version for m in modelstore.latest_models(store, "recommend")] == [2]
    assert modelstore.next_version(store, "ease") == 3


def test_activate_switches_within_kind_only(store):
    a = modelstore.register_model(
        store, name="a", kind="recommend", version=1, metrics={}, file=None, activate=True
    )
    b = modelstore.register_model(
        store, name="b", kind="reviews", version=1, metrics={}, file=None, activate=True
    )
    c = modelstore.register_model(
        store, name="c", kind="recommend", version=1, metrics={}, file=None
    )

    modelstore.activate(store, c)

    assert modelstore.active_model(store, "recommend").id == c
    assert modelstore.active_model(store, "reviews").id == b
    assert a != c


def test_model_file_written_whole_or_not_at_all(store):
    target = modelstore.model_file_path(store, "recommend", "item knn", 1, ".json")
    assert target.parent == store.folder / "models" / "recommend"
    assert target.name == "item-knn-v1.json"

    with pytest.raises(RuntimeError):
        with modelstore.write_model_file(target) as temporary:
            temporary.write_text("{half", encoding="utf-8")
            raise RuntimeError("killed while writing")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []

    with modelstore.write_model_file(target) as temporary:
        temporary.write_text(json.dumps({"k": 1}), encoding="utf-8")
    assert json.loads(target.read_text(encoding="utf-8")) == {"k": 1}


def test_training_of_a_dead_process_is_interrupted_and_model_kept(store, tmp_path):
    kept = modelstore.register_model(
        store, name="ease", kind="recommend", version=1, metrics={}, file=None, activate=True
    )
    run_id = modelstore.start_training(store, "recommend")
    # Pretend another process started it and died.
    with store.transaction() as conn:
        conn.execute("UPDATE training_runs SET pid = ? WHERE id = ?", (2**22 + 12345, run_id))
    path = store.path
    store.close()

    reopened = open_store(path)
    try:
        run = modelstore.last_training_run(reopened, "recommend")
        assert run["status"] == "interrupted"
        assert "did not change" in run["message"]
        assert modelstore.active_model(reopened, "recommend").id == kept
    finally:
        reopened.close()


def test_finish_training_records_status_and_metrics(store):
    run_id = modelstore.start_training(store, "reviews")
    modelstore.finish_training(store, run_id, "completed", metrics={"accuracy": 0.9})

    run = modelstore.last_training_run(store, "reviews")
    assert run["status"] == "completed"
    assert run["metrics"] == {"accuracy": 0.9}
    with pytest.raises(ValueError):
        modelstore.finish_training(store, run_id, "interrupted")


def test_unknown_kind_rejected(store):
    with pytest.raises(ValueError):
        modelstore.model_dir(store, "weather")
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO training_runs (kind, status, started_at) VALUES ('x', 'odd', 'now')"
            )
