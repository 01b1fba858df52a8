"""Recommendations tab: products each customer is likely to buy next."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.formatting import plural
from ui.tabs.planned_tab import PlannedTab

if TYPE_CHECKING:
    from engine.store.queries import ShopCounts


class RecommendationsTab(PlannedTab):
    def describe(self, counts: ShopCounts | None) -> tuple[str, str]:
        title = "Recommendations"
        purpose = (
            "This tab will suggest, for each customer, the products they are likely "
            "to buy next, and show which products are often bought together."
        )
        if counts is None:
            return title, f"{purpose} Open a shop to see what it will use."
        if counts.orders == 0:
            return title, (
                f"{purpose} They are learned from orders, and this shop has none yet. "
                "Import an orders export with File > Import…."
            )
        return title, (
            f"{purpose} Recommendations will appear here once they are trained from "
            f"your {plural(counts.orders, 'order')} "
            f"({plural(counts.order_lines, 'order line')}) placed by "
            f"{plural(counts.customers, 'customer')}, across "
            f"{plural(counts.products, 'product')}."
        )
