"""Errors the store raises while it opens a shop file."""

from __future__ import annotations

from pathlib import Path

from engine.errors import MerchantError


class ShopUpgradeError(MerchantError):
    """Raised when a schema migration failed while opening a shop.

    Each migration runs in its own transaction, so the file is at `version_now`:
    the version it had (nothing changed) or the last migration that completed.
    """

    def __init__(
        self,
        path: Path,
        version_before: int,
        version_now: int,
        version_target: int,
        detail: str,
        backup: Path | None,
        next_step: str,
    ) -> None:
        self.path = Path(path)
        self.version_before = version_before
        self.version_now = version_now
        self.backup = Path(backup) if backup is not None else None
        if version_now == version_before:
            state_sentence = (
                f"The shop file was left unchanged at schema {version_before}."
            )
        else:
            state_sentence = (
                f"The update stopped after schema {version_now}, which was saved."
            )
        if self.backup is not None:
            backup_sentence = (
                f"A copy of the shop from before the update is kept at {self.backup}."
            )
        else:
            backup_sentence = (
                "No backup was made, because the shop had no products, orders or "
                "reviews."
            )
        if version_before == 0:
            failure = f"could not create the tables of the new shop file {self.path}"
        else:
            failure = (
                f"could not update the shop file {self.path} from schema "
                f"{version_before} to {version_target}"
            )
        super().__init__(
            f"Merchant Assistant {failure} ({detail}). {state_sentence} "
            f"{backup_sentence} {next_step}"
        )
