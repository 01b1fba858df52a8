"""Import a reviews spreadsheet through a column mapping.

Review text is stored exactly as in the file (HTML, emoji, blank text and all); the
review analysis cleans it. Reviews of SKUs that are not in the catalog are kept with
their SKU, so they link up once the products are imported.
"""

from __future__ import annotations

import html

from engine.importers.catalog import Catalog
from engine.importers.context import ImportContext, RowError, cell_text


class GenericReviews:
    """One pass over a generic reviews file."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.mapped_column
        self.sku = column("sku")
        self.product = column("product")
        self.rating = column("rating")
        self.title = column("title")
        self.body = column("body")
        self.date = column("date")
        self.author = column("author")
        mapped = {ctx.headers.index(header) for header in ctx.mapping.values()}
        self.unused = [h for p, h in enumerate(ctx.headers) if p not in mapped]
        self.catalog = Catalog(ctx.writer.conn)
        self.unknown_skus: set[str] = set()
        self.unknown_reviews = 0

    def run(self) -> None:
        for row_number, values in self.ctx.rows():
            try:
                self._row(values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))
        self._warn()

    def _row(self, values: list[str]) -> None:
        ctx = self.ctx
        body = values[self.body] if self.body is not None else None
        rating = ctx.number(values[self.rating], "the rating") if self.rating is not None else None
        if not (body or "").strip() and rating is None:
            raise RowError("the review has neither text nor a rating")

        sku = cell_text(values, self.sku)
        product = cell_text(values, self.product)
        if sku and not self.catalog.knows(sku):
            self.unknown_reviews += 1
            self.unknown_skus.add(sku)
        ctx.writer.add_review(
            product_sku=sku,
            product_title=html.unescape(product) if product else None,
            rating=rating,
            title=cell_text(values, self.title),
            body=body if body else None,
            author=cell_text(values, self.author),
            reviewed_at=ctx.date(values[self.date], "the review date") if self.date is not None else None,
        )

    def _warn(self) -> None:
        if self.unknown_reviews:
            examples = ", ".join(sorted(self.unknown_skus)[:3])
            self.ctx.warn(
                f"{self.unknown_reviews} review(s) name {len(self.unknown_skus)} SKU(s) "
                f"that are not in your catalog (for example {examples}). They are kept "
                "and link to those products once you import them."
            )
        if self.unused:
            self.ctx.warn(
                f"The columns {', '.join(self.unused[:10])} are not stored; reviews keep "
                "the product, rating, title, text, date and reviewer."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of a generic reviews file."""
    GenericReviews(ctx).run()
