"""Import the Shopify Product Reviews app's CSV export.

Columns: product_handle, state, rating, title, author, email, location, body, reply,
created_at, replied_at (some exports add product_id or product_title). Shopify
products are stored under their handle, so `product_handle` is the product's SKU
here. Reviews the shop owner already answered keep their `replied_at`, which keeps
them off the needs-reply queue. Review text is stored as exported, HTML included.
E-mail and location are not stored.
"""

from __future__ import annotations

from engine.importers.catalog import Catalog
from engine.importers.context import ImportContext, RowError, cell_text
from engine.importers.spec import FormatSpec


class ShopifyReviews:
    """One pass over a Shopify product reviews export."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.column
        self.handle = column("product handle")
        self.product_title = column("product title")
        self.state = column("state")
        self.rating = column("rating")
        self.title = column("title")
        self.author = column("author")
        self.body = column("body")
        self.reply = column("reply")
        self.created_at = column("created at")
        self.replied_at = column("replied at")
        self.catalog = Catalog(ctx.writer.conn)
        self.unknown_handles: set[str] = set()
        self.replies: list[tuple[str, str]] = []
        self.hidden = 0

    def run(self) -> None:
        for row_number, values in self.ctx.rows():
            try:
                self._row(values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))
        self._store_replies()
        self._warn()

    def _row(self, values: list[str]) -> None:
        ctx = self.ctx
        body = values[self.body] if self.body is not None else ""
        rating = ctx.number(values[self.rating], "the rating") if self.rating is not None else None
        if rating is not None and not 1 <= rating <= 5:
            raise RowError(f"the rating {rating:g} is outside 1–5 stars")
        if not body.strip() and rating is None:
            raise RowError("the review has neither text nor a rating")
        handle = cell_text(values, self.handle)
        if handle and not self.catalog.knows(handle):
            self.unknown_handles.add(handle)
        if (cell_text(values, self.state) or "").casefold() in ("unpublished", "spam", "hidden"):
            self.hidden += 1

        ctx.writer.add_review(
            product_sku=handle,
            product_title=cell_text(values, self.product_title),
            rating=rating,
            title=cell_text(values, self.title),
            body=body or None,
            author=cell_text(values, self.author),
            reviewed_at=ctx.date(values[self.created_at], "created_at") if self.created_at is not None else None,
        )
        replied = self._replied_at(values)
        if replied:
            # NOTE: Writer.add_review has no replied_at argument, so the key of the
            # review just queued is read back and the date is set after flushing.
            self.replies.append((ctx.writer._reviews[-1][0], replied))

    def _replied_at(self, values: list[str]) -> str | None:
        if self.replied_at is not None and values[self.replied_at].strip():
            return self.ctx.date(values[self.replied_at], "replied_at")
        if self.reply is not None and values[self.reply].strip():
            # A reply without a date still means the review was answered; the
            # review's own date is the earliest the reply can have been written.
            created = self.ctx.date(values[self.created_at], "created_at") if self.created_at is not None else None
            return created or "unknown date"
        return None

    def _store_replies(self) -> None:
        if not self.replies:
            return
        self.ctx.writer.flush()
        self.ctx.writer.conn.executemany(
            "UPDATE reviews SET replied_at = ? WHERE review_key = ?",
            [(replied, key) for key, replied in self.replies],
        )

    def _warn(self) -> None:
        if self.unknown_handles:
            examples = ", ".join(sorted(self.unknown_handles)[:3])
            self.ctx.warn(
                f"Reviews name {len(self.unknown_handles)} product handle(s) that are not "
                f"in your catalog (for example {examples}). They are kept and link to "
                "those products once you import your Shopify products export."
            )
        if self.hidden:
            self.ctx.warn(
                f"{self.hidden} review(s) are unpublished or marked as spam in Shopify. "
                "They were imported too, so the analysis sees every review."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of a Shopify product reviews export."""
    ShopifyReviews(ctx).run()


FORMAT = FormatSpec(
    key="shopify_reviews",
    label="Shopify product reviews export",
    kind="reviews",
    source="shopify",
    signature=(("product handle",), ("rating",), ("body",)),
    fields=(
        ("sku", ("product handle",)),
        ("product", ("product title",)),
        ("rating", ("rating",)),
        ("title", ("title",)),
        ("body", ("body",)),
        ("author", ("author",)),
        ("date", ("created at",)),
    ),
    run=run,
)
