"""Parse the dates shop exports write into ISO 8601 text.

Accepted: ISO dates and times with an optional UTC offset (`2024-03-09 14:22:07 -0500`,
`2024-05-02T10:00:00Z`), `2024/05/02`, and day/month or month/day dates with `/`, `-`
or `.` (`01/12/2010 08:26`, `02.05.2024`, `5/2/2024 3:04 PM`). A time that came with
an offset keeps it; one without stays without.

`01/12/2010` can be 1 December or 12 January. A date whose first number is above 12 is
day-first, one whose second number is above 12 is month-first. Files whose dates never
settle it are read day-first. A later row that proves that guess wrong raises
`DateOrderConflict`, so the importer can start again month-first.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_ISO = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6})\d*)?)?)?"
    r"\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})"
    r"(?:[T ,]\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?"
    r"\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_CACHE_LIMIT = 4096


class DateOrderConflict(Exception):
    """A date proves month-first order while the file was being read day-first."""

    def __init__(self, text: str) -> None:
        super().__init__(f"'{text}' is month/day/year")
        self.text = text


class DateParser:
    """Parser of one file's dates.

    Args:
        day_first: True or False when the file's order of day and month is known,
            None to read day-first until a date proves otherwise.
    """

    def __init__(self, day_first: bool | None = None) -> None:
        self.day_first = day_first
        # The first date read that fits both orders, such as 01/12/2010.
        self.first_ambiguous: str | None = None
        self._cache: dict[str, str] = {}

    def parse(self, text: str) -> str | None:
        """Return the ISO 8601 text of a date; None for a blank cell.

        Raises:
            ValueError: not a date in a supported format, or an impossible date.
            DateOrderConflict: day_first is None and the date is month-first.
        """
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        value = text.strip()
        if not value:
            return None

        result = self._parse(value, text)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[text] = result
        return result

    def _parse(self, value: str, text: str) -> str:
        match = _ISO.match(value)
        if match:
            year, month, day, hour, minute, second, fraction, offset = match.groups()
            return _build(text, year, month, day, hour, minute, second, fraction, offset)

        match = _DAY_MONTH.match(value)
        if match is None:
            raise ValueError(f"'{text}' is not a date")
        first, separator, second_part, year, hour, minute, second, meridiem, offset = (
            match.groups()
        )
        day, month = self._order(text, int(first), int(second_part), separator)
        if len(year) == 2:
            year = f"20{year}"
        if hour is not None and meridiem is not None:
            hour = str(_to_24_hour(text, int(hour), meridiem.upper()))
        return _build(text, year, month, day, hour, minute, second, None, offset)

    def _order(self, text: str, first: int, second: int, separator: str) -> tuple[int, int]:
        if separator == ".":
            return first, second  # dotted dates (02.05.2024) are always day-first
        if first > 12 and second <= 12:
            if self.day_first is False:
                raise ValueError(f"'{text}' is not a month/day/year date like the others in this file")
            return first, second
        if second > 12 and first <= 12:
            if self.day_first is None:
                raise DateOrderConflict(text)
            if self.day_first:
                raise ValueError(f"'{text}' is not a day/month/year date like the others in this file")
            return second, first
        if first != second and self.first_ambiguous is None:
            self.first_ambiguous = text
        if self.day_first is False:
            return second, first
        return first, second


def _to_24_hour(text: str, hour: int, meridiem: str) -> int:
    if not 1 <= hour <= 12:
        raise ValueError(f"'{text}' is not a valid time")
    if meridiem == "AM":
        return 0 if hour == 12 else hour
    return 12 if hour == 12 else hour + 12


def _build(text, year, month, day, hour, minute, second, fraction, offset) -> str:
    try:
        if hour is None:
            return datetime(int(year), int(month), int(day)).date().isoformat()
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=_zone(offset),
        )
    except ValueError:
        raise ValueError(f"'{text}' is not a valid date") from None
    return moment.isoformat()


def _zone(offset: str | None) -> timezone | None:
    if offset is None:
        return None
    if offset.upper() in ("Z", "UTC"):
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours = int(digits[:2])
    minutes = int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def detect_day_first(values: list[str]) -> bool | None:
    """Decide from sample values whether slash dates put the day first.

    Returns True or False when some value settles it, None when none does.
    """
    day_first_seen = month_first_seen = False
    for value in values:
        match = _DAY_MONTH.match(value.strip())
        if match is None or match.group(2) == ".":
            continue
        first, second = int(match.group(1)), int(match.group(3))
        if first > 12 >= second:
            day_first_seen = True
        elif second > 12 >= first:
            month_first_seen = True
    if day_first_seen == month_first_seen:
        return None
    return day_first_seen
