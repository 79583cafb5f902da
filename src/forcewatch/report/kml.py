"""The KML of an export, written with :mod:`xml.etree.ElementTree` (text is escaped by
construction): a Document that says it is ForceWatch's, a Folder a layer, a Placemark a feature
with its name, description, time (``TimeStamp`` or ``TimeSpan``, for Google Earth's time slider),
the other fields as ExtendedData, and its geometry in lon,lat."""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from shapely.geometry.base import BaseGeometry

from forcewatch.report.export_files import KML_DOCUMENT_ID, ExportTag
from forcewatch.report.layer import Layer, Time

KML_NS = "http://www.opengis.net/kml/2.2"
#: Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """A value as XML text: numbers written plainly, characters XML cannot hold dropped."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return _NOT_XML.sub("", str(value))


def kml_time(text: str) -> str:
    """An ISO 8601 time as KML's ``when`` (xsd:dateTime in UTC, or the date when no time is given)."""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return xml_text(text[:10])
    if len(text) <= 10:
        return when.date().isoformat()
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    elem = ET.SubElement(parent, tag)
    if text is not None:
        elem.text = xml_text(text)
    return elem


def _coordinates(parent: ET.Element, coords: object) -> None:
    _sub(parent, "coordinates", " ".join(f"{x:.10g},{y:.10g}" for x, y, *_ in coords))  # type: ignore[attr-defined]


def _geometry(parent: ET.Element, geom: BaseGeometry) -> None:
    """``geom`` as KML: Point, LineString, Polygon (with holes), or a MultiGeometry of them."""
    kind = geom.geom_type
    if kind == "Point":
        _coordinates(_sub(parent, "Point"), geom.coords)
    elif kind in ("LineString", "LinearRing"):
        _coordinates(_sub(parent, "LineString"), geom.coords)
    elif kind == "Polygon":
        poly = _sub(parent, "Polygon")
        _coordinates(_sub(_sub(poly, "outerBoundaryIs"), "LinearRing"), geom.exterior.coords)
        for ring in geom.interiors:
            _coordinates(_sub(_sub(poly, "innerBoundaryIs"), "LinearRing"), ring.coords)
    else:  # Multi*, GeometryCollection
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            if not part.is_empty:
                _geometry(multi, part)


def _time(parent: ET.Element, time: Time) -> None:
    if isinstance(time, str) and time:
        _sub(_sub(parent, "TimeStamp"), "when", kml_time(time))
    elif isinstance(time, tuple):
        span = _sub(parent, "TimeSpan")
        _sub(span, "begin", kml_time(time[0]))
        _sub(span, "end", kml_time(time[1]))


def _extended_data(parent: ET.Element, values: Mapping[str, object]) -> None:
    data = _sub(parent, "ExtendedData")
    for name, value in values.items():
        if value is not None:
            _sub(ET.SubElement(data, "Data", name=xml_text(name)), "value", value)


def placemark(folder: ET.Element, layer: Layer, i: int) -> ET.Element:
    """Feature ``i`` of ``layer`` as a Placemark in ``folder`` (KML's element order)."""
    pm = _sub(folder, "Placemark")
    values = {k: v[i] for k, v in layer.fields.items()}
    _sub(pm, "name", values.pop("Name", None) or "")
    description = values.pop("Description", None)
    if description:
        _sub(pm, "description", description)
    if layer.times:
        _time(pm, layer.times[i])
    _extended_data(pm, values)
    geom = layer.geometries[i]
    if geom is not None and not geom.is_empty:
        _geometry(pm, geom)
    return pm


def kml_document(layers: Mapping[str, Layer], tag: ExportTag) -> bytes:
    """The export as KML (UTF-8 bytes): a Document with the export's id and tag, a Folder a layer."""
    root = ET.Element("kml", xmlns=KML_NS)
    doc = ET.SubElement(root, "Document", id=KML_DOCUMENT_ID)
    _sub(doc, "name", f"ForceWatch export{': ' + tag.workspace if tag.workspace else ''}")
    _extended_data(doc, tag.as_dict())
    for name, layer in layers.items():
        folder = ET.SubElement(doc, "Folder", id=name)
        _sub(folder, "name", name)
        for i in range(len(layer)):
            placemark(folder, layer, i)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
