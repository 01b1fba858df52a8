"""Photos tab: tags and look-alike products from the product photos."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ui.formatting import plural
from ui.tabs.planned_tab import PlannedTab

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts


class PhotosTab(PlannedTab):
    def describe(self, counts: ShopCounts | None) -> tuple[str, str]:
        title = "Photos"
        purpose = (
            "This tab will suggest a category, colours and objects for each product "
            "photo, and find products that look alike."
        )
        if counts is None:
            return title, f"{purpose} Open a shop to see what it will use."
        if counts.photos == 0:
            return title, (
                f"{purpose} This shop has no product photos yet. Product exports "
                "that list image files or links add them."
            )
        return title, (
            f"{purpose} Tags will appear here once your "
            f"{plural(counts.photos, 'photo')} of {plural(counts.products, 'product')} "
            "have been tagged."
        )

    def add_photos(self, paths: list[Path]) -> None:
        """Tag the dropped photo files and the photos inside dropped folders."""
        self.notice_posted.emit(
            "info", "Tagging dropped photos is not available in this version yet."
        )


PHOTO_SUFFIXES = {
    ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic",
    ".heif", ".avif",
}


def split_photo_drops(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Split dropped paths into photo files and everything else."""
    photos = [path for path in paths if path.suffix.lower() in PHOTO_SUFFIXES]
    rest = [path for path in paths if path.suffix.lower() not in PHOTO_SUFFIXES]
    return photos, rest
