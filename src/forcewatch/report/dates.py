"""Dates as the user writes them on the command line and as the brief prints them.

>>> parse_date("2022-02-10", "--from")
datetime.date(2022, 2, 10)
>>> date_text("2022-02-10T09:00:00Z")
'10 February 2022'
"""

from __future__ import annotations

import datetime as dt

from forcewatch.errors import InputError


def parse_date(text: str, option: str) -> dt.date:
    """The date of an option's value (YYYY-MM-DD, or an ISO 8601 time); an :class:`InputError`
    naming the option and the fix for anything else."""
    value = text.strip()
    try:
        if len(value) <= 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise InputError(
            f"{option} {text!r}: not a date. Fix: write it as YYYY-MM-DD (for example 2022-02-10)."
        ) from None


def date_range(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """``--from`` and ``--to`` checked: each a date (or absent), the first not after the second.
    Returns them as given."""
    first = parse_date(date_from, "--from") if date_from else None
    last = parse_date(date_to, "--to") if date_to else None
    if first is not None and last is not None and first > last:
        raise InputError(f"--from {date_from} is after --to {date_to}: no date is in between. Fix: swap them.")
    return date_from, date_to


def date_text(iso: str) -> str:
    """An ISO 8601 time as the date people write: "10 February 2022" (on any platform's C library)."""
    d = dt.datetime.strptime(iso[:10], "%Y-%m-%d")
    return f"{d.day} {d:%B %Y}"
