"""Photos tab: tags and look-alike products from the product photos."""

from __future__ import annotations

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
