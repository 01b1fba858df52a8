"""Parse numbers the way spreadsheets write them: `14.50`, `14,50`, `1.234,56`, `€ 3`.

A value decides its own decimal mark when it can: in `1.234,56` the last mark is the
decimal one, and `14,50` or `0,350` cannot be thousands. Only one mark followed by
exactly three digits (`1,234`, `1.234`) is ambiguous, and the file's detected decimal
mark settles those.
"""

from __future__ import annotations

import math
import re

_CURRENCY_WORDS = r"[$€£¥]|EUR|USD|GBP|CHF|SEK|NOK|DKK|PLN|CAD|AUD"
_CURRENCY = re.compile(rf"^(?:{_CURRENCY_WORDS})\s*|\s*(?:{_CURRENCY_WORDS})$")
# Spaces (normal, no-break, narrow no-break) and apostrophes group thousands.
_GROUPING = re.compile(r"(?<=\d)[ \u00a0\u202f'](?=\d)")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED_DOT = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SINGLE_MARK = re.compile(r"^([+-]?\d*)([.,])(\d+)$")
_TRAILING_MINUS = re.compile(r"^[\d.,]+-$")


class NumberParser:
    """Parser of one file's numbers; `decimal_comma` is the file's decimal mark."""

    def __init__(self, decimal_comma: bool = False) -> None:
        self.decimal_comma = decimal_comma

    def parse(self, text: str) -> float | None:
        """Parse a spreadsheet number; return None for a blank cell.

        Raises:
            ValueError: the text is not a finite number. The message quotes it.
        """
        if not text:
            return None
        # Fast path for the plain numbers that make up nearly every cell. float()
        # also accepts "nan" and "inf", which are rejected below.
        if not self.decimal_comma or "." not in text:
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                if number - number == 0:  # false for inf and nan
                    return number
                raise ValueError(f"'{text}' is not a number")

        value = text.strip()
        if not value:
            return None
        number = self._parse_formatted(value)
        if number is None:
            raise ValueError(f"'{text}' is not a number")
        return _finite(number, text)

    def _parse_formatted(self, value: str) -> float | None:
        negative = False
        if value.startswith("(") and value.endswith(")"):
            # Accounting style: (3.00) means -3.00.
            negative = True
            value = value[1:-1].strip()
        value = _CURRENCY.sub("", value).strip()
        value = _GROUPING.sub("", value)
        if _TRAILING_MINUS.match(value):
            # Some European exports put the minus sign last: 3,00-
            negative = not negative
            value = value[:-1]

        number = self._parse_marks(value)
        if number is None:
            return None
        return -number if negative else number

    def _parse_marks(self, value: str) -> float | None:
        if _PLAIN.match(value) and not (self.decimal_comma and "." in value):
            return float(value)
        if _GROUPED_DOT.match(value) and ("," in value or value.count(".") > 1):
            return float(value.replace(".", "").replace(",", "."))
        if _GROUPED_COMMA.match(value) and ("." in value or value.count(",") > 1):
            return float(value.replace(",", ""))

        single = _SINGLE_MARK.match(value)
        if single is None:
            return None
        whole, mark, fraction = single.groups()
        if self._is_decimal_mark(whole, mark, fraction):
            return float(f"{whole}.{fraction}")
        return float(f"{whole}{fraction}")

    def _is_decimal_mark(self, whole: str, mark: str, fraction: str) -> bool:
        # A thousands group has exactly three digits and follows a non-zero number.
        if len(fraction) != 3 or whole.lstrip("+-") in ("", "0"):
            return True
        return (mark == ",") == self.decimal_comma


def _finite(number: float, text: str) -> float:
    if math.isfinite(number):
        return number
    raise ValueError(f"'{text}' is not a number")


# Signs of a decimal comma or a decimal point that cannot be thousands marks.
_COMMA_DECIMAL = re.compile(r"^-?\d+,(?:\d{1,2}|\d{4,})$|^-?0,\d+$|^-?\d{1,3}(?:\.\d{3})+,\d+$")
_POINT_DECIMAL = re.compile(r"^-?\d+\.(?:\d{1,2}|\d{4,})$|^-?0\.\d+$|^-?\d{1,3}(?:,\d{3})+\.\d+$")


def count_decimal_marks(values: list[str]) -> tuple[int, int]:
    """Count the values that show a decimal comma and those that show a decimal point.

    Values such as `1,234` that could be either are not counted.
    """
    commas = points = 0
    for value in values:
        value = value.strip()
        if _COMMA_DECIMAL.match(value):
            commas += 1
        elif _POINT_DECIMAL.match(value):
            points += 1
    return commas, points
