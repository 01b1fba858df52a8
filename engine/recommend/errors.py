"""Errors of the recommendation feature, with messages a shop owner can act on."""

from __future__ import annotations

from engine.errors import MerchantError


class TrainingNotFiniteError(MerchantError):
    def __init__(self, model_label: str) -> None:
        super().__init__(
            f"Training the {model_label} model produced invalid numbers, so it was not "
            "saved and the recommendations in use did not change. Check the orders "
            "for impossible quantities, then choose Retrain."
        )


class InvalidCustomerIdError(MerchantError):
    def __init__(self, value: object, reason: str) -> None:
        super().__init__(
            f"{value!r} is not a customer id ({reason}). Enter the id as it appears in "
            "your orders, for example 17850 or C-0042."
        )


class ProductNotFoundError(MerchantError):
    def __init__(self, sku: str) -> None:
        super().__init__(
            f"No product with SKU {sku!r} in this shop. Check the SKU, or import the "
            "catalog that contains it with File > Import…."
        )
