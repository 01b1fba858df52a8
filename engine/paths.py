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
    return make_private_folder(_base("data"))


def shops_dir() -> Path:
    """Return the folder where new shops are created by default."""
    return make_private_folder(data_dir() / "shops")


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


# Shop files hold customers' names and e-mail addresses, so on POSIX systems they
# are readable by their owner only. Windows keeps its inherited access lists.
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def make_private_folder(path: Path) -> Path:
    """Create `path` (and missing parents) and make it accessible to its owner only.

    Only the last folder's mode is changed. A folder owned by another user keeps
    its mode.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    _chmod(path, PRIVATE_FOLDER_MODE)
    return path


def make_private_file(path: Path) -> None:
    """Make an existing file readable and writable by its owner only.

    A missing file, or one owned by another user, is left as it is.
    """
    _chmod(Path(path), PRIVATE_FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create an empty file that only its owner may read, unless it exists."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


def _chmod(path: Path, mode: int) -> None:
    if os.name != "posix":
        return
    try:
        path.chmod(mode)
    except FileNotFoundError:
        pass
    except PermissionError:
        # Another user's file or folder: reading it is still allowed.
        pass
