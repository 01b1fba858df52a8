"""Number and date formatting shared by the tabs."""

from __future__ import annotations

import calendar


def format_count(value: int | float | None) -> str:
    """Format a whole number with thousands separators, or a dash when unknown."""
    if value is None:
        return "—"
    return f"{round(value):,}"


def format_amount(value: float | None) -> str:
    """Format a money amount with two decimals and no currency symbol.

    A shop may mix currencies, so the UI never guesses a symbol.
    """
    if value is None:
        return "—"
    return f"{value:,.2f}"


def format_quantity(value: float | None) -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def format_month(month: str) -> str:
    """Turn "2011-03" into "Mar 2011" and return any other text unchanged."""
    year, _, number = month.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return month
    return f"{calendar.month_abbr[int(number)]} {year}"


def format_short_month(month: str) -> str:
    """Turn "2011-03" into "Mar ’11" and return any other text unchanged."""
    year, _, number = month.partition("-")
    if not (year.isdigit() and number.isdigit() and 1 <= int(number) <= 12):
        return month
    return f"{calendar.month_abbr[int(number)]} ’{year[-2:]}"


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """Return "1 order" or "1,234 orders"."""
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {plural_word or word + 's'}"
