"""Voice search tab: find a product by speaking or typing its name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.formatting import plural
from ui.tabs.planned_tab import PlannedTab

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts


class VoiceTab(PlannedTab):
    def describe(self, counts: ShopCounts | None) -> tuple[str, str]:
        title = "Voice search"
        purpose = (
            "This tab will let you say or type a product name and find it in your "
            "catalog, even when it is misheard or misspelled. Speech will be "
            "recognised on this computer, without an internet connection."
        )
        if counts is None:
            return title, f"{purpose} Open a shop to see what it will use."
        if counts.products == 0:
            return title, (
                f"{purpose} This shop has no products yet. Import a products export "
                "with File > Import…."
            )
        return (
            title,
            f"{purpose} It will search your {plural(counts.products, 'product')}.",
        )
