"""Number, date, encoding, delimiter and header detection of the importers."""

from __future__ import annotations

import gzip

import pytest

from engine.errors import ImportFileError, UnknownFormatError
from engine.importers import GENERIC_FIELDS, guess_mapping, import_file, missing_fields, sniff
from engine.importers.dates import DateOrderConflict, DateParser, detect_day_first
from engine.importers.numbers import NumberParser


@pytest.mark.parametrize(
    "text, decimal_comma, expected",
    [
        ("14.50", False, 14.5),
        ("14,50", True, 14.5),
        ("14,50", False, 14.5),  # two decimals after a comma cannot be thousands
        ("1.234,56", True, 1234.56),
        ("1.234,56", False, 1234.56),
        ("1,234.56", False, 1234.56),
        ("1,234", False, 1234.0),
        ("1,234", True, 1.234),
        ("1.234", True, 1234.0),
        ("0,350", False, 0.35),
        ("-3,00", True, -3.0),
        ("3,00-", True, -3.0),
        ("(3.00)", False, -3.0),
        ("€ 12,50", True, 12.5),
        ("$1,200.00", False, 1200.0),
        ("1 234,56", True, 1234.56),
        ("17850.0", False, 17850.0),
        ("", False, None),
        ("   ", True, None),
    ],
)
def test_number_formats(text, decimal_comma, expected):
    assert NumberParser(decimal_comma).parse(text) == expected


@pytest.mark.parametrize("text", ["abc", "NaN", "nan", "inf", "-Infinity", "1.2.3,4,5", "12 kg"])
def test_number_rejects_non_numbers(text):
    with pytest.raises(ValueError, match="is not a number"):
        NumberParser().parse(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-09 14:22:07 -0500", "2024-03-09T14:22:07-05:00"),
        ("2024-05-02T10:00:00Z", "2024-05-02T10:00:00+00:00"),
        ("2010-12-01 08:26:00", "2010-12-01T08:26:00"),
        ("01/12/2010 08:26", "2010-12-01T08:26:00"),
        ("02.05.2024", "2024-05-02"),
        ("2024-05-02", "2024-05-02"),
        ("31/12/2010", "2010-12-31"),
        ("5/2/24 3:04 PM", "2024-02-05T15:04:00"),
    ],
)
def test_date_formats(text, expected):
    assert DateParser().parse(text) == expected


def test_date_month_first_conflict():
    parser = DateParser(day_first=None)

    with pytest.raises(DateOrderConflict):
        parser.parse("12/13/2010")
    assert DateParser(day_first=False).parse("12/13/2010") == "2010-12-13"


@pytest.mark.parametrize("text", ["2024-02-30", "not a date", "13/13/2020", "25:00"])
def test_date_rejects_invalid(text):
    with pytest.raises(ValueError):
        DateParser(day_first=True).parse(text)


def test_day_first_detection():
    assert detect_day_first(["01/12/2010", "13/12/2010"]) is True
    assert detect_day_first(["12/01/2010", "12/13/2010"]) is False
    assert detect_day_first(["01/12/2010", "02/12/2010"]) is None


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    "delimiter, name", [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "bar")]
)
def test_delimiter_detection(tmp_path, delimiter, name):
    rows = [["sku", "name", "price"], ["A-1", "Mug, blue", "3.50"], ["A-2", "Bowl", "4"]]
    text = "\n".join(
        delimiter.join(f'"{value}"' if "," in value else value for value in row) for row in rows
    )
    path = write(tmp_path / f"{name}.csv", text + "\n")

    sniffed = sniff(path)

    assert sniffed.delimiter == delimiter
    assert sniffed.headers == ["sku", "name", "price"]
    assert sniffed.sample_rows[0][1] == "Mug, blue"


def test_headers_trimmed_and_named(tmp_path):
    path = write(tmp_path / "headers.csv", "\ufeff SKU ,Name,,Name\nA-1,Mug,x,y\n")

    sniffed = sniff(path)

    assert sniffed.headers == ["SKU", "Name", "Column 3", "Name (2)"]
    assert len(sniffed.warnings) == 2


def test_gzip_read_transparently(store, tmp_path, cases):
    plain = cases / "C01_products_utf8_bom.csv"
    packed = tmp_path / "products.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))

    report = import_file(store, packed)

    assert report.encoding == "utf-8-sig"
    assert report.imported == 5


def test_undefined_cp1252_byte_rejected(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"sku,name\nA-1,Mug \x81 blue\n")

    with pytest.raises(ImportFileError) as caught:
        sniff(path)

    message = str(caught.value)
    assert "line 2" in message
    assert "0x81" in message
    assert "CSV UTF-8" in message


def test_cp1252_byte_after_ascii_start(store, tmp_path):
    # The first 256 KiB are plain ASCII, so the file looks like UTF-8 until row 9001.
    lines = ["sku,name,price"] + [f"SKU-{i:05d},Plain mug number {i:05d} xxxxxxxx,1.00" for i in range(9000)]
    lines.append("SKU-X,Café bowl € edition,2.00")
    path = tmp_path / "late_cp1252.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    assert path.stat().st_size > 300_000

    report = import_file(store, path)

    assert report.encoding == "cp1252"
    assert report.imported == 9001
    assert any("0xE9" in warning for warning in report.warnings)
    title = store.conn.execute("SELECT title FROM products WHERE sku = 'SKU-X'").fetchone()[0]
    assert title == "Café bowl € edition"


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty"),
        (b"PK\x03\x04rest of a workbook", "Excel workbook"),
        (b"sku,name\x00\x01\x02", "binary data"),
    ],
)
def test_unreadable_files_rejected(tmp_path, content, problem):
    path = tmp_path / "file.csv"
    path.write_bytes(content)

    with pytest.raises(ImportFileError, match=problem):
        sniff(path)


def test_missing_file_rejected(tmp_path):
    with pytest.raises(ImportFileError, match="not found"):
        sniff(tmp_path / "nothing.csv")


def test_unknown_columns_rejected(store, tmp_path):
    path = write(tmp_path / "rates.csv", "Country Code,Rate %,Tax Name\nGB,20,VAT\n")

    assert sniff(path).kind is None
    with pytest.raises(UnknownFormatError, match="do not look like products, orders, reviews or customers"):
        import_file(store, path)
    assert store.conn.execute("SELECT count(*) FROM import_runs").fetchone()[0] == 0


@pytest.mark.parametrize(
    "headers, kind, expected",
    [
        (["Artikelnummer", "Bezeichnung", "Preis"], "products", {"sku": "Artikelnummer", "name": "Bezeichnung", "price": "Preis"}),
        (["item code", "product_name", "unit_price", "description_html"], "products", {"sku": "item code", "name": "product_name", "price": "unit_price", "description": "description_html"}),
        (["order number", "order_date", "email", "item", "quantity", "amount"], "orders", {"order_id": "order number", "date": "order_date", "email": "email", "item": "item", "quantity": "quantity", "unit_price": "amount"}),
        (["product", "stars", "title", "body", "author", "date"], "reviews", {"product": "product", "rating": "stars", "title": "title", "body": "body", "author": "author", "date": "date"}),
    ],
)
def test_mapping_guess(headers, kind, expected):
    assert guess_mapping(headers, kind) == expected


def test_required_fields_listed():
    required = {field.name for field in GENERIC_FIELDS["products"] if field.required}

    assert required == {"sku", "name"}
    assert missing_fields("products", {"sku": "SKU"}) == ["Name"]
    assert missing_fields("orders", {"order_id": "Order"}) == ["SKU or Item name"]
    assert missing_fields("orders", {"order_id": "Order", "item": "Item"}) == []
