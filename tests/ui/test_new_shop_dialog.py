"""New shop dialog: the shop path and the checks on name and folder."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from ui.widgets.new_shop_dialog import NewShopDialog


def make_dialog(qtbot, folder):
    dialog = NewShopDialog(folder)
    qtbot.addWidget(dialog)
    return dialog


def create_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_new_shop_path_inside_named_folder(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    dialog.name_edit.setText("  Ceramics studio ")

    assert dialog.shop_path() == tmp_path / "Ceramics studio" / "shop.db"
    assert create_button(dialog).isEnabled()
    assert dialog.result_label.text() == (
        f"The shop will be saved as {tmp_path / 'Ceramics studio' / 'shop.db'}."
    )


def test_new_shop_needs_a_name(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    assert dialog.shop_path() is None
    assert not create_button(dialog).isEnabled()
    assert dialog.result_label.text() == "Type a name for the shop."


def test_new_shop_rejects_path_characters(qtbot, tmp_path):
    dialog = make_dialog(qtbot, tmp_path)

    dialog.name_edit.setText("shops/ceramics")

    assert dialog.shop_path() is None
    assert not create_button(dialog).isEnabled()
    assert dialog.result_label.text().startswith("The name cannot contain")


def test_new_shop_rejects_existing_shop(qtbot, tmp_path):
    existing = tmp_path / "Ceramics" / "shop.db"
    existing.parent.mkdir()
    existing.write_bytes(b"")
    dialog = make_dialog(qtbot, tmp_path)

    dialog.name_edit.setText("Ceramics")

    assert dialog.shop_path() is None
    assert dialog.result_label.text() == (
        f"A shop already exists at {existing}. Choose another name, or open that "
        "shop with File > Open shop…."
    )
