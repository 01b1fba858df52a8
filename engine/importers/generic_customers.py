"""Import a customer list through a column mapping.

A customer list names customers who may have no orders yet (new sign-ups, a
newsletter list). They are stored like the customers of order files, keyed by the
customer id, or by the lower-case e-mail when the file has no id column, as the
orders importers do. Details already stored are filled in, never overwritten.
"""

from __future__ import annotations

from engine.importers.context import ImportContext, RowError, cell_text
from engine.importers.generic_orders import normalise_customer_id


class GenericCustomers:
    """One pass over a generic customers file."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        column = ctx.mapped_column
        self.customer_id = column("customer_id")
        self.email = column("email")
        self.name = column("name")
        self.first_name = column("first_name")
        self.last_name = column("last_name")
        self.country = column("country")
        mapped = {ctx.headers.index(header) for header in ctx.mapping.values()}
        self.unused = [h for p, h in enumerate(ctx.headers) if p not in mapped]
        # Customer key -> the row that brought it, to report repeated rows.
        self.rows_by_key: dict[str, int] = {}

    def run(self) -> None:
        for row_number, values in self.ctx.rows():
            try:
                self._row(row_number, values)
            except RowError as error:
                self.ctx.skip(row_number, values, str(error))
        self._warn()

    def _row(self, row_number: int, values: list[str]) -> None:
        email = (cell_text(values, self.email) or "").lower() or None
        if self.customer_id is not None:
            key = normalise_customer_id(values[self.customer_id])
            if key is None:
                raise RowError("the customer id is missing")
        else:
            key = email
            if key is None:
                raise RowError("the e-mail, which identifies the customer, is missing")

        earlier = self.rows_by_key.get(key)
        if earlier is not None:
            raise RowError(
                f"customer {key} appears twice in the file; row {earlier} was imported"
            )
        self.rows_by_key[key] = row_number
        self.ctx.writer.add_customer(
            key,
            name=self._name(values),
            email=email,
            country=cell_text(values, self.country),
        )

    def _name(self, values: list[str]) -> str | None:
        name = cell_text(values, self.name)
        if name:
            return name
        parts = [cell_text(values, self.first_name), cell_text(values, self.last_name)]
        return " ".join(part for part in parts if part) or None

    def _warn(self) -> None:
        if self.unused:
            self.ctx.warn(
                f"The columns {', '.join(self.unused[:10])} are not stored; customers "
                "keep their id, name, e-mail and country."
            )


def run(ctx: ImportContext) -> None:
    """Import the rows of a generic customers file."""
    GenericCustomers(ctx).run()
