"""The command line `python -m engine`, run as a separate process on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.datasets import REPO_ROOT


def run_cli(*args, home):
    return subprocess.run(
        [sys.executable, "-m", "engine", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MERCHANT_ASSISTANT_HOME": str(home)},
    )


def test_import_prints_report(tmp_path, cases, isolated_home):
    shop = tmp_path / "shop.db"

    result = run_cli("import", cases / "C03_catalog_excel_de_semicolon.csv", "--shop", shop, home=isolated_home)

    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert "C03_catalog_excel_de_semicolon.csv" in output
    assert "Format:   Spreadsheet (CSV) with columns matched by name: products" in output
    assert "Read as:  Windows-1252 (cp1252), semicolon-separated, decimal comma" in output
    assert "sku ← Artikelnummer, name ← Bezeichnung, price ← Preis" in output
    assert "Result:   5 new, 0 already present, 0 skipped (5 rows read)" in output
    assert "Contents: 4 products, 1 non-product item" in output
    assert "RET-ADJ-01" in output
    assert shop.exists()


def test_info_prints_counts(tmp_path, cases, isolated_home):
    shop = tmp_path / "shop.db"
    run_cli("import", cases / "C06_shopify_orders_export.csv", "--shop", shop, home=isolated_home)

    result = run_cli("info", "--shop", shop, home=isolated_home)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "products": 0,
        "non_product_items": 0,
        "variants": 0,
        "photos": 0,
        "customers": 2,
        "orders": 3,
        "order_lines": 6,
        "reviews": 0,
        "import_runs": 1,
    }


def test_reimport_reports_already_present(tmp_path, cases, isolated_home):
    shop = tmp_path / "shop.db"
    source = cases / "C10_orders_duplicates.csv"
    run_cli("import", source, "--shop", shop, home=isolated_home)

    result = run_cli("import", source, "--shop", shop, home=isolated_home)

    assert result.returncode == 0, result.stderr
    assert "Result:   0 new, 4 already present, 1 skipped (5 rows read)" in result.stdout
    assert "row 5: duplicate of row 4" in result.stdout


def test_import_json_report(tmp_path, cases, isolated_home):
    result = run_cli(
        "import", cases / "C05_shopify_products_export.csv", "--shop", tmp_path / "shop.db", "--json",
        home=isolated_home,
    )

    assert result.returncode == 0, result.stderr
    reports = json.loads(result.stdout)
    assert len(reports) == 1
    report = reports[0]
    assert report["format"] == "shopify_products"
    assert report["status"] == "completed"
    assert report["imported"] == 2
    assert report["counts"]["variants"] == 5
    assert report["file"].endswith("C05_shopify_products_export.csv")


def test_unimportable_file_exit_code(tmp_path, cases, shared_data, isolated_home):
    rates = shared_data / "shop-export-formats/woocommerce/sample_tax_rates.csv"

    result = run_cli(
        "import", rates, cases / "C01_products_utf8_bom.csv", "--shop", tmp_path / "shop.db",
        home=isolated_home,
    )

    assert result.returncode == 1
    assert "sample_tax_rates.csv\n  Not imported: Could not import sample_tax_rates.csv" in result.stdout
    assert "do not look like products, orders, reviews or customers" in result.stdout
    assert "Result:   5 new" in result.stdout  # the other file is still imported


def test_map_and_encoding_options(tmp_path, cases, isolated_home):
    result = run_cli(
        "import", cases / "C02_orders_cp1252.csv", "--shop", tmp_path / "shop.db",
        "--map", "customer_id=customer_name", "--encoding", "cp1252",
        home=isolated_home,
    )

    assert result.returncode == 0, result.stderr
    assert "customer_id ← customer_name" in result.stdout
    assert "order_id ← order_id" in result.stdout
    assert "Read as:  Windows-1252 (cp1252)" in result.stdout


def test_kind_customers_imports_list(tmp_path, isolated_home):
    shop = tmp_path / "shop.db"
    # "Nr" matches no field name, so --map names the customer id column.
    customer_list = tmp_path / "kunden.csv"
    customer_list.write_text(
        "Nr;E-Mail;Name;Land\nK-1;anna@example.com;Anna Berg;DE\nK-2;;Jörg Müller;AT\n",
        encoding="utf-8",
    )

    result = run_cli(
        "import", customer_list, "--shop", shop, "--kind", "customers", "--map", "customer_id=Nr",
        home=isolated_home,
    )
    info = run_cli("info", "--shop", shop, home=isolated_home)

    assert result.returncode == 0, result.stderr
    assert "customer_id ← Nr" in result.stdout
    assert "Result:   2 new, 0 already present, 0 skipped (2 rows read)" in result.stdout
    assert json.loads(info.stdout)["customers"] == 2


def test_import_help_lists_customers(isolated_home):
    result = run_cli("import", "--help", home=isolated_home)

    assert result.returncode == 0, result.stderr
    assert "--kind {products,orders,reviews,customers}" in result.stdout


def test_bad_map_option(tmp_path, cases, isolated_home):
    result = run_cli(
        "import", cases / "C02_orders_cp1252.csv", "--shop", tmp_path / "shop.db",
        "--map", "customer_id",
        home=isolated_home,
    )

    assert result.returncode != 0
    assert "FIELD=HEADER" in result.stderr


def test_info_missing_shop(tmp_path, isolated_home):
    result = run_cli("info", "--shop", tmp_path / "none.db", home=isolated_home)

    assert result.returncode == 1
    assert "No shop file at" in result.stderr
    assert not (tmp_path / "none.db").exists()


@pytest.mark.slow
def test_demo_builds_shop(tmp_path, isolated_home):
    pytest.importorskip("engine.demo", reason="the demo shop builder is not in this version")
    shop = tmp_path / "demo" / "shop.db"

    result = run_cli("demo", "--shop", shop, home=isolated_home)

    assert result.returncode == 0, result.stderr
    printed_counts = json.loads(result.stdout)
    assert printed_counts["products"] > 0
    assert printed_counts["order_lines"] > 0
    assert printed_counts["reviews"] > 0
