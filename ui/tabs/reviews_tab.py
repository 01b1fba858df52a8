"""Reviews tab: sentiment and recurring topics in customer reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.formatting import plural
from ui.tabs.planned_tab import PlannedTab

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts


class ReviewsTab(PlannedTab):
    def describe(self, counts: ShopCounts | None) -> tuple[str, str]:
        title = "Reviews"
        purpose = (
            "This tab will show, per product, whether reviews are positive or "
            "negative and what customers praise or complain about."
        )
        if counts is None:
            return title, f"{purpose} Open a shop to see what it will use."
        if counts.reviews == 0:
            return title, (
                f"{purpose} This shop has no reviews yet. Import a reviews export "
                "with File > Import…."
            )
        return title, (
            f"{purpose} The analysis will appear here once it has read your "
            f"{plural(counts.reviews, 'review')}."
        )
