"""Trained models of a shop: training runs, model files and which model is in use.

Every feature (recommendations, photos, reviews, voice) keeps its models the same way:

- `start_training(store, kind)` records a running training run with this process id.
- The model is written to a file under `model_dir(store, kind)` with
  `write_model_file`, which writes a temporary file and renames it, so a crash never
  leaves half a model under the final name.
- `register_model(...)` stores the model's row and metrics, and `activate(...)` makes it
  the one in use, in one transaction.
- `finish_training(...)` closes the run as completed, failed or cancelled.

A run left 'running' by a process that is gone is marked interrupted when the shop
is opened (engine.store.connection), and the previously active model stays in use
because activation happens only after the new model is fully saved.

Model files hold JSON, NumPy `.npz` without pickled objects, or safetensors. Nothing is
loaded with pickle.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from engine.store import Store, utc_now

KINDS = ("recommend", "vision", "reviews", "voice")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class ModelRecord:
    """One stored model."""

    id: int
    name: str
    kind: str
    version: int
    trained_at: str
    metrics: dict
    file: Path | None
    is_active: bool


def model_dir(store: Store, kind: str) -> Path:
    """Return (and create) the folder holding the shop's models of `kind`."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {KINDS}")
    folder = store.folder / "models" / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def model_file_path(store: Store, kind: str, name: str, version: int, suffix: str) -> Path:
    """Where model `name` version `version` of `kind` is stored, e.g. `ease-v3.npz`."""
    safe = _SAFE_NAME.sub("-", name).strip("-") or "model"
    return model_dir(store, kind) / f"{safe}-v{version}{suffix}"


def next_version(store: Store, name: str) -> int:
    row = store.conn.execute(
        "SELECT COALESCE(MAX(version), 0) FROM models WHERE name = ?", (name,)
    ).fetchone()
    return int(row[0]) + 1


@contextmanager
def write_model_file(destination: Path) -> Iterator[Path]:
    """Yield a temporary path to write to; rename it to `destination` on success.

    The rename is atomic on the same file system, so `destination` holds either the
    old complete file or the new complete file.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{destination.stem}-", suffix=destination.suffix, dir=destination.parent
    )
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.replace(temporary_path, destination)
    finally:
        if temporary_path.exists():
            temporary_path.unlink()


def start_training(store: Store, kind: str) -> int:
    """Record a running training run of `kind` by this process; return its id."""
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO training_runs (kind, status, started_at, pid) "
            "VALUES (?, 'running', ?, ?)",
            (kind, utc_now(), os.getpid()),
        )
    return int(cursor.lastrowid)


def finish_training(
    store: Store,
    run_id: int,
    status: str,
    message: str | None = None,
    metrics: dict | None = None,
) -> None:
    """Close training run `run_id` as 'completed', 'failed' or 'cancelled'."""
    if status not in ("completed", "failed", "cancelled"):
        raise ValueError(f"unexpected training status {status!r}")
    with store.transaction() as conn:
        conn.execute(
            "UPDATE training_runs SET status = ?, finished_at = ?, message = ?, "
            "metrics = ? WHERE id = ?",
            (
                status,
                utc_now(),
                message,
                json.dumps(metrics) if metrics is not None else None,
                run_id,
            ),
        )


def register_model(
    store: Store,
    *,
    name: str,
    kind: str,
    version: int,
    metrics: dict,
    file: Path | None,
    training_run_id: int | None = None,
    activate: bool = False,
) -> int:
    """Store a trained model's row; with `activate`, make it the one in use."""
    relative = None
    if file is not None:
        relative = os.path.relpath(file, store.folder)
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO models (name, kind, version, trained_at, metrics, file, "
            "is_active, training_run_id) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
            (name, kind, version, utc_now(), json.dumps(metrics), relative, training_run_id),
        )
        model_id = int(cursor.lastrowid)
        if activate:
            _activate(conn, kind, model_id)
    return model_id


def activate(store: Store, model_id: int) -> None:
    """Make model `model_id` the one in use for its kind."""
    with store.transaction() as conn:
        row = conn.execute("SELECT kind FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise ValueError(f"no model with id {model_id}")
        _activate(conn, row[0], model_id)


def _activate(conn, kind: str, model_id: int) -> None:
    conn.execute("UPDATE models SET is_active = 0 WHERE kind = ? AND is_active", (kind,))
    conn.execute("UPDATE models SET is_active = 1 WHERE id = ?", (model_id,))


def _record(store: Store, row) -> ModelRecord:
    model_id, name, kind, version, trained_at, metrics, file, is_active = row
    return ModelRecord(
        id=model_id,
        name=name,
        kind=kind,
        version=version,
        trained_at=trained_at,
        metrics=json.loads(metrics) if metrics else {},
        file=(store.folder / file) if file else None,
        is_active=bool(is_active),
    )


_COLUMNS = "id, name, kind, version, trained_at, metrics, file, is_active"


def active_model(store: Store, kind: str) -> ModelRecord | None:
    """Return the model of `kind` in use, or None when none was trained yet."""
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM models WHERE kind = ? AND is_active "
        "ORDER BY id DESC LIMIT 1",
        (kind,),
    ).fetchone()
    return _record(store, row) if row else None


def latest_models(store: Store, kind: str) -> list[ModelRecord]:
    """Return the newest version of each model name of `kind`, best name first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM models WHERE kind = ? AND id IN "
        "(SELECT MAX(id) FROM models WHERE kind = ? GROUP BY name) ORDER BY name",
        (kind, kind),
    ).fetchall()
    return [_record(store, row) for row in rows]


def last_training_run(store: Store, kind: str) -> dict | None:
    """Return the newest training run of `kind` as a dict, or None."""
    row = store.conn.execute(
        "SELECT id, status, started_at, finished_at, message, metrics "
        "FROM training_runs WHERE kind = ? ORDER BY id DESC LIMIT 1",
        (kind,),
    ).fetchone()
    if row is None:
        return None
    run_id, status, started_at, finished_at, message, metrics = row
    return {
        "id": run_id,
        "status": status,
        "started_at": started_at,
        "finished_at": finished_at,
        "message": message,
        "metrics": json.loads(metrics) if metrics else None,
    }
