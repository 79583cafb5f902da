"""A layer as CSV for spreadsheets: the geometry as WKT (lon lat, 9 decimals at most) in the first
column (as GDAL's CSV driver writes it), then a column a field. A text cell that a spreadsheet
would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
neutralised with a leading ``'``, as OWASP advises for CSV injection.

>>> neutralise('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
"""

from __future__ import annotations

import math

import shapely

from forcewatch.report.layer import Layer

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def csv_cell(value: object) -> str:
    """One cell: empty for None (or NaN), numbers plainly, text neutralised and quoted where it
    holds a separator, a quote or a line break, or reads as a number (so that it stays text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    text = neutralise(str(value))
    if any(c in text for c in ',"\n\r') or _looks_numeric(text):
        return _quoted(text)
    return text


def csv_text(layer: Layer) -> str:
    """The layer as CSV text (a header, then a line a feature; LF line ends)."""
    rows: list[list[object]] = [["WKT", *layer.fields]]
    columns = list(layer.fields.values())
    for i, geom in enumerate(layer.geometries):
        wkt = "" if geom is None or geom.is_empty else shapely.to_wkt(geom, rounding_precision=9)
        rows.append([wkt, *(col[i] for col in columns)])
    return "".join(",".join(csv_cell(v) for v in row) + "\n" for row in rows)
