"""Dates from the command line are checked; dates are written the same on every platform."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from forcewatch.errors import InputError
from forcewatch.report.dates import date_range, date_text, parse_date
from tests.conftest import REPO


def test_parse_date() -> None:
    assert parse_date("2022-02-10", "--from") == dt.date(2022, 2, 10)
    assert parse_date("2022-02-10T09:00:00Z", "--to") == dt.date(2022, 2, 10)
    for bad in ("notadate", "2022-13-01", "10/02/2022", ""):
        with pytest.raises(InputError, match=f"--from {bad!r}: not a date. Fix: write it as YYYY-MM-DD"):
            parse_date(bad, "--from")


def test_date_range() -> None:
    assert date_range(None, None) == (None, None)
    assert date_range("2022-01-20", "2022-02-10") == ("2022-01-20", "2022-02-10")
    with pytest.raises(InputError, match="--to 'soon': not a date"):
        date_range("2022-01-20", "soon")
    with pytest.raises(InputError, match="--from 2022-03-01 is after --to 2022-02-10"):
        date_range("2022-03-01", "2022-02-10")


def test_date_text_is_portable() -> None:
    assert date_text("2022-02-01T09:00:00Z") == "1 February 2022"
    assert date_text("2022-12-31") == "31 December 2022"
    # glibc-only strftime flags (%-d, %-m, ...) fail on Windows and macOS's libc differs: none in report/
    for path in (REPO / "src" / "forcewatch" / "report").rglob("*.py"):
        assert not re.search(r"%-[a-zA-Z]", path.read_text(encoding="utf-8")), path
