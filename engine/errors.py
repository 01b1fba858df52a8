"""Errors with plain messages a shop owner can act on.

Each message states what happened, to which file, row or shop, and what to do next.
The UI shows `str(error)` and needs no traceback to explain the problem.
"""

from __future__ import annotations

from pathlib import Path


class MerchantError(Exception):
    """Base class for every error the engine raises on purpose."""


class CancelledError(MerchantError):
    """Raised when the user cancels a long job. The job runner reports it as cancelled."""

    def __init__(self, what: str = "The job") -> None:
        super().__init__(f"{what} was cancelled. Nothing from it was saved.")


class ShopNotFoundError(MerchantError):
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"No shop file at {self.path}. Choose File > Open shop to pick another "
            "shop, or File > New shop to create one."
        )


class ShopDamagedError(MerchantError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"The shop file {self.path} is damaged ({detail}). It was left untouched. "
            "Restore your last backup (File > Open shop, then pick the backup file)."
        )


class NotAShopError(MerchantError):
    def __init__(self, path: Path, reason: str = "it is not a shop file") -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path} is not a Merchant Assistant shop: {reason}. It was left "
            "untouched. Choose File > Open shop and pick a shop.db file, or bring "
            "other data in as CSV with File > Import…."
        )


class ShopAccessError(MerchantError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"The shop file {self.path} cannot be opened for changes ({detail}). "
            "Copy the shop folder to a place you can write to, such as your Documents "
            "folder, and open it from there."
        )


class ShopTooNewError(MerchantError):
    def __init__(self, path: Path, version: int, supported: int) -> None:
        self.path = Path(path)
        super().__init__(
            f"The shop file {self.path} was saved by a newer Merchant Assistant "
            f"(schema {version}; this version reads up to {supported}). "
            "Update Merchant Assistant to open it."
        )


class ImportFileError(MerchantError):
    """Raised when a whole file could not be imported. Nothing from it was saved."""

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"Could not import {self.path.name}: {problem}. {fix}")


class UnknownFormatError(ImportFileError):
    def __init__(self, path: Path, headers: list[str]) -> None:
        self.headers = headers
        shown = ", ".join(headers[:8]) + (" …" if len(headers) > 8 else "")
        super().__init__(
            path,
            f"its columns ({shown}) do not look like products, orders, reviews or "
            "customers",
            "Open it with Import… and choose which column holds the SKU, name, "
            "price, order number, review text or customer id",
        )


class BackupError(MerchantError):
    def __init__(self, destination: Path, detail: str) -> None:
        self.destination = Path(destination)
        super().__init__(
            f"The backup to {self.destination} failed ({detail}). Your shop is "
            "unchanged. Choose a folder with free space that you can write to."
        )


class DemoShopPathTakenError(MerchantError):
    """Raised when the demo would replace a shop that is not a demo shop."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(
            f"{self.path} holds a shop that is not the demo shop, so the demo was not "
            "built there. Your shop is unchanged. Choose another folder for the demo."
        )


class ShopDamagedWithBackupError(ShopDamagedError):
    """Raised instead of ShopDamagedError when the shop's folder has backups."""

    def __init__(self, path: Path, detail: str, newest_backup: Path) -> None:
        self.path = Path(path)
        self.newest_backup = Path(newest_backup)
        MerchantError.__init__(
            self,
            f"The shop file {self.path} is damaged ({detail}). It was left untouched. "
            f"Choose File > Restore from a backup… to restore the newest backup "
            f"({self.newest_backup.name}) or an older one.",
        )


class RestoreError(MerchantError):
    """Raised when a backup could not be restored. The shop is then unchanged."""

    def __init__(self, backup: Path, problem: str, fix: str) -> None:
        self.backup = Path(backup)
        self.problem = problem
        self.fix = fix
        super().__init__(
            f"Could not restore {self.backup.name}: {problem}. Your shop is "
            f"unchanged. {fix}"
        )
