"""User folders for shops, logs and caches, from platformdirs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "MerchantAssistant"
APP_AUTHOR = "MerchantAssistant"

# Tests and portable installs point every folder at one place with this variable.
HOME_ENV = "MERCHANT_ASSISTANT_HOME"


def _base(kind: str) -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / kind
    if kind == "data":
        return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    if kind == "logs":
        return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    return Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    """Return the folder that contains the shops, creating it if needed."""
    path = _base("data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def shops_dir() -> Path:
    """Return the folder where new shops are created by default."""
    path = data_dir() / "shops"
    path.mkdir(parents=True, exist_ok=True)
    return path


def demo_shop_path() -> Path:
    """Return the path of the demo shop's SQLite file."""
    return shops_dir() / "demo" / "shop.db"


def log_dir() -> Path:
    """Return the folder for the rotating log file, creating it if needed."""
    path = _base("logs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_file() -> Path:
    return log_dir() / "merchant-assistant.log"


def cache_dir() -> Path:
    path = _base("cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """Return the `resources/` folder shipped beside the packages."""
    return Path(__file__).resolve().parent.parent / "resources"
