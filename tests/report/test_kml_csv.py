"""The KML (times for Google Earth's slider, text escaped whatever the names hold) and the CSV (a
column a class, no formula injection), and scene paths without the machine's folders."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pyogrio

from forcewatch.model import Observation
from forcewatch.report.brief import build_brief
from forcewatch.report.brief_plan import BriefData, SiteData
from forcewatch.report.csv_table import csv_text
from forcewatch.report.export import export_layers, write_export
from forcewatch.report.export_files import export_tag
from forcewatch.report.files import shown_path
from forcewatch.report.kml import kml_document
from tests.report.values import D1, D2, LINE, GreyReader, export_data, observation, scene

K = "{http://www.opengis.net/kml/2.2}"
AWKWARD = 'Base "A" ]]> <b>&amp; </Document>\x01 & co'


def _folders(doc: bytes) -> dict[str, list[ET.Element]]:
    root = ET.fromstring(doc)
    return {f.get("id", ""): f.findall(f"{K}Placemark") for f in root.iter(f"{K}Folder")}


def test_kml_plays_the_dates_and_holds_any_name(tmp_path: Path) -> None:
    out = tmp_path / "x.kml"
    write_export(export_data(AWKWARD), "kml", out)
    folders = _folders(out.read_bytes())  # parses: valid XML whatever the site's name
    assert {k: len(v) for k, v in folders.items()} == {
        "sites": 1,
        "scenes": 2,
        "observations": 2,
        "detections": 1,
        "change_objects": 1,
        "activity": 1,
        "camps": 1,
    }
    assert out.read_text().count("<Placemark") == 9
    (site,) = folders["sites"]
    assert site.findtext(f"{K}name") == AWKWARD.replace("\x01", "")
    assert site.find(f"{K}TimeStamp") is None and site.find(f"{K}TimeSpan") is None  # sites have no date
    whens = {name: [p.findtext(f"{K}TimeStamp/{K}when") for p in pms] for name, pms in folders.items()}
    assert whens["scenes"] == whens["observations"] == [D1, D2]
    assert whens["detections"] == whens["change_objects"] == [D1] and whens["camps"] == [D2]
    (area,) = folders["activity"]
    assert (area.findtext(f"{K}TimeSpan/{K}begin"), area.findtext(f"{K}TimeSpan/{K}end")) == (D1, D2)
    obs = folders["observations"][0]
    data = {d.get("name"): d.findtext(f"{K}value") for d in obs.iter(f"{K}Data")}
    assert data["count_aircraft"] == "1" and data["site"] == AWKWARD.replace("\x01", "")
    ring = obs.findtext(f"{K}Polygon/{K}outerBoundaryIs/{K}LinearRing/{K}coordinates")
    assert ring is not None and ring.split()[0] == "26.8,52.25"  # lon,lat
    assert "ForceWatch export" in (ET.fromstring(out.read_bytes()).findtext(f"{K}Document/{K}name") or "")
    layers = dict(pyogrio.list_layers(out))  # GDAL reads it back
    assert list(layers) == ["sites", "scenes", "observations", "detections", "change_objects", "activity", "camps"]


def test_kml_geometries() -> None:
    import shapely

    data = export_data()
    holed = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 1)]])
    multi = shapely.MultiPolygon([holed, shapely.box(10, 10, 11, 11)])
    sites = [
        replace(data.sites[0], aoi=g) for g in (multi, shapely.Point(30.5, 50.25), shapely.LineString([(0, 0), (1, 1)]))
    ]
    doc = kml_document(export_layers(replace(data, sites=sites)), export_tag(None))
    pms = _folders(doc)["sites"]
    assert len(pms[0].findall(f"{K}MultiGeometry/{K}Polygon")) == 2
    assert pms[0].find(f"{K}MultiGeometry/{K}Polygon/{K}innerBoundaryIs") is not None
    assert pms[1].findtext(f"{K}Point/{K}coordinates") == "30.5,50.25"
    assert pms[2].findtext(f"{K}LineString/{K}coordinates") == "0,0 1,1"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_a_column_a_class_and_an_empty_cell_where_it_was_not_observable() -> None:
    data = export_data()
    o1, o2 = data.observations
    o3: Observation = observation(3, "2022-02-20T09:00:00Z", {"aircraft": 4, "vehicle": 0})
    obs = [replace(o1, counts={"aircraft": 1, "tent": 12}), o2, o3]
    rows = _rows(csv_text(export_layers(replace(data, observations=obs))["observations"]))
    assert [(r["count_aircraft"], r["count_tent"], r["count_vehicle"]) for r in rows] == [
        ("1", "12", ""),  # vehicle not observable on the first date: empty, never 0
        ("2", "", ""),
        ("4", "", "0"),
    ]
    assert json.loads(rows[0]["not_observable"]) == {"vehicle": "too coarse"}
    assert rows[0]["site"] == "Luninets airfield" and rows[0]["WKT"].startswith("POLYGON ((26.8")
    assert json.loads(rows[0]["counts"]) == {"aircraft": 1, "tent": 12}


def test_csv_neutralises_formulas_only_in_csv(tmp_path: Path) -> None:
    name = '=HYPERLINK("http://x")'
    data = export_data(name)
    data = replace(data, sites=[replace(data.sites[0], notes="-2 tanks; @ night", kind="+camp", lon=-97.5)])
    files = write_export(data, "csv", tmp_path / "csv")
    (site,) = _rows((tmp_path / "csv" / "sites.csv").read_text())
    assert site["Name"] == "'" + name and site["Description"] == "'-2 tanks; @ night" and site["kind"] == "'+camp"
    assert site["lon"] == "-97.5"  # a number stays a number
    for f in files:
        for row in csv.reader(io.StringIO(f.read_text())):
            assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row), (f.name, row)
    gj = write_export(data, "geojson", tmp_path / "gj")[0]
    assert json.loads(gj.read_text())["features"][0]["properties"]["Name"] == name  # only CSV is neutralised


def test_scene_paths_are_relative_to_the_workspace_or_just_the_file_name(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert shown_path(str(ws / "imagery" / "a.tif"), ws) == "imagery/a.tif"
    assert shown_path("/home/analyst/Downloads/b.tif", ws) == "b.tif"
    assert shown_path("https://example.org/c.tif?token=secret", ws) == "https://example.org/c.tif"
    data = export_data()
    inside = replace(data.scenes[1], path=str(ws / "imagery" / "1.tif"))
    data = replace(data, scenes=[data.scenes[0], inside], workspace=ws)
    assert export_layers(data)["scenes"].fields["path"] == ["imagery/1.tif", "2.tif"]
    brief = BriefData(
        [SiteData(data.sites[0], data.observations, data.detections)],
        {1: inside, 2: scene(2, D2)},
        LINE,
        workspace=ws,
    )
    html = build_brief(brief, GreyReader(), generated=dt.datetime(2022, 2, 11, tzinfo=dt.UTC))
    assert "<td>imagery/1.tif</td>" in html and "<td>2.tif</td>" in html
    assert "/nowhere/" not in html and str(tmp_path) not in html
