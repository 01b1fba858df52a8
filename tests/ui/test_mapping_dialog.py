"""Column dialog for a CSV file in no known layout."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QFormLayout

from engine.importers import GENERIC_FIELDS, sniff
from ui.widgets.mapping_dialog import NOT_IN_FILE, MappingChoice, MappingDialog

HEADERS = ["Artikelnummer", "Bezeichnung", "Preis", "Kategorie", "Notiz"]
ROWS = [
    ["B-100", "Café Becher", "14,50", "Küche", ""],
    ["L-200", "Lampe „Nord“", "1.234,56", "Licht", "Glas"],
]


def write_stock_file(tmp_path):
    path = tmp_path / "stock.csv"
    lines = [";".join(HEADERS)] + [";".join(row) for row in ROWS]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def make_dialog(qtbot, tmp_path):
    sniffed = sniff(write_stock_file(tmp_path))
    dialog = MappingDialog(sniffed, GENERIC_FIELDS)
    qtbot.addWidget(dialog)
    return dialog


def import_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_dialog_preselects_guessed_columns(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    selected = {
        field: combo.currentText() for field, combo in dialog.field_combos.items()
    }
    assert selected["sku"] == "Artikelnummer"
    assert selected["name"] == "Bezeichnung"
    assert selected["price"] == "Preis"
    assert selected["category"] == "Kategorie"
    assert selected["description"] == NOT_IN_FILE
    assert import_button(dialog).isEnabled()


def test_dialog_shows_detected_file_settings(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)
    file_settings = dialog.findChild(QFormLayout, "fileSettings")
    shown = {
        file_settings.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text(): (
            file_settings.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        )
        for row in range(file_settings.rowCount())
    }

    assert dialog.kind_combo.currentData() == "products"
    assert dialog.encoding_combo.currentData() == "cp1252"
    assert dialog.encoding_combo.currentText() == "cp1252 (detected)"
    assert [dialog.encoding_combo.itemData(i) for i in range(3)] == [
        "utf-8",
        "utf-8-sig",
        "cp1252",
    ]
    assert shown["Columns separated by:"].text() == "semicolon (;)"
    assert shown["Decimal mark:"].text() == "comma (1.234,56)"
    assert dialog.preview_table.rowCount() == 2
    assert dialog.preview_table.item(0, 1).text() == "Café Becher"


def test_encoding_override_rereads_preview(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    dialog.encoding_combo.setCurrentIndex(dialog.encoding_combo.findData("utf-8"))
    assert dialog.preview_table.item(0, 1).text() == "Caf\ufffd Becher"
    assert dialog.field_combos["sku"].currentText() == "Artikelnummer"

    dialog.encoding_combo.setCurrentIndex(dialog.encoding_combo.findData("cp1252"))
    assert dialog.preview_table.item(1, 1).text() == "Lampe „Nord“"
    assert dialog.choice().encoding == "cp1252"


def test_required_field_blocks_import(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("reviews"))

    assert not import_button(dialog).isEnabled()
    assert dialog.hint_label.text() == (
        "Choose the column that holds Review text to import this file."
    )
    review_text = dialog.field_combos["body"]
    review_text.setCurrentIndex(review_text.findData("Notiz"))
    assert import_button(dialog).isEnabled()
    assert dialog.hint_label.text() == ""


def test_choice_holds_kind_encoding_and_mapping(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)
    description = dialog.field_combos["description"]
    description.setCurrentIndex(description.findData("Notiz"))

    assert dialog.choice() == MappingChoice(
        kind="products",
        encoding="cp1252",
        mapping={
            "sku": "Artikelnummer",
            "name": "Bezeichnung",
            "price": "Preis",
            "category": "Kategorie",
            "description": "Notiz",
        },
    )


def test_dialog_shows_renamed_headers(qtbot, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("sku,name,,name\nA-1,Mug,x,Blue mug\n", encoding="utf-8")
    sniffed = sniff(path)

    dialog = MappingDialog(sniffed, GENERIC_FIELDS)
    qtbot.addWidget(dialog)

    assert dialog.notes_label.isVisibleTo(dialog)
    assert dialog.notes_label.text() == " ".join(sniffed.warnings)
    assert "Column 3" in dialog.notes_label.text()


def test_preview_rows_numbered_like_spreadsheet(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    labels = [
        dialog.preview_table.verticalHeaderItem(row).text()
        for row in range(dialog.preview_table.rowCount())
    ]
    assert labels == ["2", "3"]


def write_customer_list(tmp_path):
    path = tmp_path / "kunden.csv"
    lines = [
        "Kundennummer;E-Mail;Name;Land",
        "K-1;anna@example.com;Anna Berg;DE",
        "K-2;;Jörg Müller;AT",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_kind_choices_include_customers(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    kinds = [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())]
    labels = [dialog.kind_combo.itemText(i) for i in range(dialog.kind_combo.count())]

    assert kinds == ["products", "orders", "reviews", "customers"]
    assert labels == ["Products", "Orders", "Reviews", "Customers"]


def test_customer_list_preselects_customers(qtbot, tmp_path):
    sniffed = sniff(write_customer_list(tmp_path))
    dialog = MappingDialog(sniffed, GENERIC_FIELDS)
    qtbot.addWidget(dialog)

    assert sniffed.kind == "customers"
    assert dialog.kind_combo.currentText() == "Customers"
    assert list(dialog.field_combos) == [field.name for field in GENERIC_FIELDS["customers"]]
    assert import_button(dialog).isEnabled()
    assert dialog.choice() == MappingChoice(
        "customers",
        "cp1252",
        {"customer_id": "Kundennummer", "email": "E-Mail", "name": "Name", "country": "Land"},
    )


def test_customers_chosen_for_product_file(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("customers"))

    assert dialog.kind() == "customers"
    assert "customer_id" in dialog.field_combos
    assert "sku" not in dialog.field_combos
