"""Find the photos among dropped files and folders."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from engine.progress import CancelToken
from engine.vision.loading import sniff_format

PHOTO_SUFFIXES = frozenset(
    {
        ".jpg",
        ".jpeg",
        ".jpe",
        ".png",
        ".webp",
        ".gif",
        ".bmp",
        ".tif",
        ".tiff",
        ".heic",
        ".heif",
        ".avif",
    }
)
# Files that operating systems leave in folders: never photos, even with a photo suffix
# (macOS writes AppleDouble "._name.png" files next to copied photos).
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"})
# The subject of the CancelledError message.
_CANCELLED = "Finding the dropped photos"


@dataclass
class CollectedFiles:
    photos: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files that are not photos


def is_junk(path: Path) -> bool:
    name = path.name.lower()
    return name in JUNK_NAMES or name.startswith("._")


def is_photo_file(path: Path) -> bool:
    """Return whether `path` should be tagged: a photo suffix, or photo content without one.

    A file with a photo suffix counts even when its content is damaged, so that the
    tagging report names it with the reason. Named pipes, sockets and devices never
    count, because reading them can block forever.
    """
    if is_junk(path) or _is_special_file(path):
        return False
    if path.suffix.lower() in PHOTO_SUFFIXES:
        return True
    try:
        with open(path, "rb") as file:
            return sniff_format(file.read(64)) is not None
    except OSError:
        return False


def _is_special_file(path: Path) -> bool:
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except OSError:
        # A missing file or a symlink loop stays a photo, so that loading it
        # reports the reason.
        return False


def collect_photo_files(
    paths: list[Path], cancel: CancelToken | None = None
) -> CollectedFiles:
    """Expand folders recursively and split the files into photos and other files.

    Hidden folders are not searched. Paths keep the order they were given in, and
    the files of a folder are sorted by path.

    Raises:
        CancelledError: on cancel, checked for every folder and file.
    """
    cancel = cancel or CancelToken()
    collected = CollectedFiles()
    seen: set[Path] = set()
    for path in map(Path, paths):
        files = _walk(path, cancel) if path.is_dir() else [path]
        for file in files:
            cancel.raise_if_cancelled(_CANCELLED)
            key = _same_file_key(file)
            if key in seen:
                continue
            seen.add(key)
            (collected.photos if is_photo_file(file) else collected.skipped).append(
                file
            )
    return collected


def _same_file_key(path: Path) -> Path:
    # Path.resolve raises RuntimeError on a symlink loop in Python 3.11 and 3.12.
    # Such a file stays in the list, and loading it reports that it cannot be read.
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _walk(folder: Path, cancel: CancelToken) -> list[Path]:
    found = []
    for root, folders, names in os.walk(folder):
        cancel.raise_if_cancelled(_CANCELLED)
        folders[:] = [name for name in folders if not name.startswith(".")]
        found.extend(Path(root) / name for name in names)
    return sorted(found)
