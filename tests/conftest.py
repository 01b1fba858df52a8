"""Fixtures shared by engine and UI tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.datasets import cases_dir, data_dir


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch) -> Path:
    """Point user data, logs and caches at a fresh folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MERCHANT_ASSISTANT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = data_dir()
    if not path.is_dir():
        pytest.fail(f"data sets not found at {path}; set MERCHANT_ASSISTANT_DATA")
    return path


@pytest.fixture(scope="session")
def cases() -> Path:
    path = cases_dir()
    if not path.is_dir():
        pytest.fail(f"bad-input cases not found at {path}")
    return path


@pytest.fixture
def store(tmp_path):
    from engine.store import open_store

    shop = open_store(tmp_path / "shop.db", create=True)
    yield shop
    shop.close()


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
