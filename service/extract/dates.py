"""When a quote was said, from the words of its sentence and the publication date.

`on April 19th` and `April 19, 2019` are days; `on Wednesday` is the last Wednesday on
or before publication; `yesterday` the day before; `last week` and `last month` give only
the month. Without a publication date, only dates that name their month are read.
"""

import re
from datetime import date, timedelta

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            "january jan", "february feb", "march mar", "april apr", "may", "june jun",
            "july jul", "august aug", "september sep sept", "october oct", "november nov",
            "december dec",
        )
    )
    for m in names.split()
}  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_DAY = re.compile(
    r"\b("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\b(?:\s+(\d{4}))?",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(?:on\s+|earlier\s+on\s+|last\s+)?(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(yesterday|today|last\s+week|last\s+month|earlier\s+this\s+week)\b", re.IGNORECASE)


def said_on(words: str, published: date | None) -> tuple[date | None, str | None]:
    """(date, precision) that `words` give for when something was said, else (None, None)."""
    for reader in (_month_day, _day_month):
        if found := reader(words, published):
            return found, "day"
    if published is None:
        return None, None
    if weekday := _WEEKDAY.search(words):
        return _last_weekday(published, WEEKDAYS.index(weekday.group(1).lower())), "day"
    if relative := _RELATIVE.search(words):
        return _relative(relative.group(1).lower(), published)
    return None, None


def _month_day(words: str, published: date | None) -> date | None:
    match = _MONTH_DAY.search(words)
    return match and _day(match.group(1), match.group(2), match.group(3), published)


def _day_month(words: str, published: date | None) -> date | None:
    match = _DAY_MONTH.search(words)
    return match and _day(match.group(2), match.group(1), match.group(3), published)


def _day(month: str, day: str, year: str | None, published: date | None) -> date | None:
    if year is None and published is None:
        return None
    number = MONTHS[month.lower()]
    try:
        found = date(int(year) if year else published.year, number, int(day))
    except ValueError:
        return None
    if year is None and found > published:
        found = found.replace(year=found.year - 1)  # "on December 30" in a January article
    return found


def _last_weekday(published: date, weekday: int) -> date:
    return published - timedelta(days=(published.weekday() - weekday) % 7)


def _relative(word: str, published: date) -> tuple[date, str]:
    if word == "yesterday":
        return published - timedelta(days=1), "day"
    if word == "today":
        return published, "day"
    if word == "last month":
        return (published.replace(day=1) - timedelta(days=1)).replace(day=1), "month"
    return (published - timedelta(days=7)).replace(day=1) if "last" in word else published.replace(
        day=1
    ), "month"
