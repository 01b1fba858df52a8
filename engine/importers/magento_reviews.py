"""Import Magento 2 product reviews.

Magento's admin has no review export of its own; reviews leave a store through the
sample-data fixture layout (sku, rating_code, rating_value, title, review, reviewer,
email) or an export of the `review_detail` table (sku or product_sku, nickname,
title, detail, created_at, status, and a rating column). Both are read here. The
star rating is `rating_value` (1–5); a percentage `rating` (20–100) is converted
to stars. E-mail is not stored.
"""

from __future__ import annotations

from engine.importers.catalog import Catalog
from engine.importers.context import ImportContext, RowError, cell_text
from engine.importers.spec import FormatSpec


class MagentoReviews:
    """One pass over a Magento reviews file."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.sku = column("sku", "product sku")
        self.product = column("product name", "name")
        self.rating = column("rating value", "rating", "value", "percent")
        self.title = column("title")
        self.body = column("review", "detail")
        self.author = column("reviewer", "nickname")
        self.created_at = column("created at")
        self.status = column("status", "status code")
        self.catalog = Catalog(ctx.writer.conn)
        self.unknown_skus: set[str] = set()
        self.not_approved = 0

    def run(self) -> None:
        for row_number, values in self.ctx.rows():
            try:
                self._row(values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))
        self._warn()

    def _stars(self, values: list[str]) -> float | None:
        if self.rating is None:
            return None
        rating = self.ctx.number(values[self.rating], "the rating")
        if rating is None:
            return None
        if 5 < rating <= 100:
            # Magento stores rating percentages (20 = 1 star, 100 = 5 stars).
            rating = rating / 20
        if not 1 <= rating <= 5:
            raise RowError(f"the rating {rating:g} is outside 1–5 stars")
        return rating

    def _row(self, values: list[str]) -> None:
        ctx = self.ctx
        body = values[self.body] if self.body is not None else ""
        rating = self._stars(values)
        if not body.strip() and rating is None:
            raise RowError("the review has neither text nor a rating")
        sku = cell_text(values, self.sku)
        if sku and not self.catalog.knows(sku):
            self.unknown_skus.add(sku)
        status = (cell_text(values, self.status) or "").casefold()
        if status and status not in ("approved", "1"):
            self.not_approved += 1
        ctx.writer.add_review(
            product_sku=sku,
            product_title=cell_text(values, self.product),
            rating=rating,
            title=cell_text(values, self.title),
            body=body or None,
            author=cell_text(values, self.author),
            reviewed_at=ctx.date(values[self.created_at], "created_at") if self.created_at is not None else None,
        )

    def _warn(self) -> None:
        if self.unknown_skus:
            examples = ", ".join(sorted(self.unknown_skus)[:3])
            self.ctx.warn(
                f"Reviews name {len(self.unknown_skus)} SKU(s) that are not in your "
                f"catalog (for example {examples}). They are kept and link to those "
                "products once you import them."
            )
        if self.not_approved:
            self.ctx.warn(
                f"{self.not_approved} review(s) are pending or not approved in Magento. "
                "They were imported too, so the analysis sees every review."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of a Magento reviews file."""
    MagentoReviews(ctx).run()


FORMAT = FormatSpec(
    key="magento_reviews",
    label="Magento product reviews",
    kind="reviews",
    source="magento",
    signature=(("sku", "product sku"), ("review", "detail"), ("reviewer", "nickname")),
    fields=(
        ("sku", ("sku", "product sku")),
        ("product", ("product name", "name")),
        ("rating", ("rating value", "rating", "value", "percent")),
        ("title", ("title",)),
        ("body", ("review", "detail")),
        ("author", ("reviewer", "nickname")),
        ("date", ("created at",)),
    ),
    run=run,
)
