"""Generated CSV files for every importer: no crash, and every row accounted for.

Hypothesis writes files with each importer's columns plus odd extra headers, in
several encodings and delimiters, with quoted, blank, very long and mixed-type
cells and rows of the wrong width. An import either completes or raises
ImportFileError naming the file. A completed import stores every skipped row
with a reason, and for order lines and reviews each row read is either a record
or a skipped row, and each customer row a new customer or a skipped row.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ImportFileError
from engine.importers import import_file
from engine.importers.formats import KNOWN_FORMATS
from engine.importers.mapping import GENERIC_FIELDS
from engine.store import open_store

EXAMPLES_PER_IMPORTER = 25
HUGE_CELL = "long text " * 10_000  # 100,000 characters
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]
DELIMITERS = [",", ";", "\t"]


def spec_headers(spec) -> list[str]:
    headers = [group[0] for group in spec.signature]
    for _field, keys in spec.fields:
        if keys[0] not in headers:
            headers.append(keys[0])
    return [header.title() for header in headers]


def generic_headers(kind: str) -> list[str]:
    return [field.synonyms[0] if field.synonyms else field.name for field in GENERIC_FIELDS[kind]]


# (id, import_file keyword arguments, headers, kind of records)
IMPORTERS = [
    (spec.key, {"format": spec.key}, spec_headers(spec), spec.kind) for spec in KNOWN_FORMATS
] + [
    (f"generic_{kind}", {"format": "generic", "kind": kind}, generic_headers(kind), kind)
    for kind in GENERIC_FIELDS
]

number_texts = st.one_of(
    st.integers(-10_000, 10_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(places=2, min_value=-99_999, max_value=99_999, allow_nan=False).map(
        lambda value: f"{value:,}"
    ),
    st.sampled_from(["1.234,56", "14,50", "-3,00", "€12", "N/A", "0x1F", "1e309"]),
)
date_texts = st.one_of(
    st.datetimes().map(lambda value: value.isoformat()),
    st.sampled_from(
        ["01/12/2010 08:26", "12/31/2024", "2024-03-09 14:22:07 -0500", "31.02.2024", "yesterday"]
    ),
)
cells = st.one_of(
    st.just(""),
    st.just("   "),
    st.text(max_size=30),
    st.text(alphabet='",;\t\n\r\'', max_size=6),
    number_texts,
    date_texts,
)
extra_headers = st.lists(
    st.one_of(st.just(""), st.text(min_size=1, max_size=12)), max_size=2
)


@st.composite
def csv_files(draw, headers: list[str]):
    header = headers + draw(extra_headers)
    width = len(header)
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = draw(st.lists(cells, min_size=width, max_size=width))
        change = draw(st.sampled_from(["keep", "keep", "keep", "short", "long"]))
        if change == "short" and row:
            row = row[:-1]
        elif change == "long":
            row = row + [draw(cells)]
        rows.append(row)
    if rows and rows[0] and draw(st.booleans()):
        rows[0][draw(st.integers(0, len(rows[0]) - 1))] = HUGE_CELL
    encoding = draw(st.sampled_from(ENCODINGS))
    delimiter = draw(st.sampled_from(DELIMITERS))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    line_end = draw(st.sampled_from(["\n", "\r\n"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, errors="replace")
    # csv.writer leaves a lone "\r" unquoted when lines end in "\n", and readers
    # then see a line break, so rows are counted the way a CSV reader splits them.
    text = data.decode(encoding)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return data, max(len(records) - 1, 0)


def check_import(data: bytes, written_rows: int, options: dict, kind: str) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        source = Path(folder) / "export.csv"
        source.write_bytes(data)
        with open_store(Path(folder) / "shop" / "shop.db", create=True) as store:
            try:
                report = import_file(store, source, **options)
            except ImportFileError as error:
                assert "export.csv" in str(error)
                assert_nothing_saved(store.conn)
                return
            check_report(store.conn, report, written_rows, kind)


def assert_nothing_saved(conn: sqlite3.Connection) -> None:
    tables = ("products", "orders", "order_lines", "reviews", "customers")
    for table in (*tables, "import_skipped_rows"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    statuses = {row[0] for row in conn.execute("SELECT status FROM import_runs")}
    assert statuses <= {"failed"}


def check_report(conn: sqlite3.Connection, report, written_rows: int, kind: str) -> None:
    assert report.status == "completed"
    assert 0 <= report.skipped_total <= report.rows_read <= written_rows
    assert all(row.reason.strip() for row in report.skipped)
    stored = conn.execute(
        "SELECT count(*) FROM import_skipped_rows WHERE import_run_id = ?", (report.run_id,)
    ).fetchone()[0]
    assert stored == report.skipped_total
    status, rows_read = conn.execute(
        "SELECT status, rows_read FROM import_runs WHERE id = ?", (report.run_id,)
    ).fetchone()
    assert (status, rows_read) == ("completed", report.rows_read)
    accepted = report.rows_read - report.skipped_total
    if kind == "orders":
        lines = conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
        assert lines == accepted
    elif kind == "reviews":
        reviews = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
        assert reviews <= accepted
        assert (reviews == 0) == (accepted == 0)
    elif kind == "customers":
        # The shop starts empty and a repeated customer is skipped, so each
        # accepted row is one new customer.
        customers = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        assert customers == accepted
    else:
        # One product spans several rows in some exports, so rows and records
        # differ in number, and a Shopify title row with a bad variant is both
        # imported (the product) and skipped (the variant). A row that was not
        # skipped always leaves a record.
        records = conn.execute(
            "SELECT (SELECT count(*) FROM products) + (SELECT count(*) FROM product_variants)"
        ).fetchone()[0]
        assert records > 0 or accepted == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "options, headers, kind",
    [(options, headers, kind) for _, options, headers, kind in IMPORTERS],
    ids=[name for name, *_ in IMPORTERS],
)
def test_generated_files_import_or_explain(options, headers, kind):
    @settings(
        max_examples=EXAMPLES_PER_IMPORTER,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(generated=csv_files(headers))
    def run(generated):
        data, written_rows = generated
        check_import(data, written_rows, options, kind)

    run()
