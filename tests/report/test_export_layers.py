"""The export's layers built from values (no store), and written with pyogrio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forcewatch.errors import InputError
from forcewatch.report.export import ExportData, check_format, export_layers, write_export
from tests.report.values import D1, D2, export_data

LAYERS = ["sites", "scenes", "observations", "detections", "change_objects", "activity", "camps"]


def _data() -> ExportData:
    return export_data()


def test_layers_from_values() -> None:
    layers = export_layers(_data())
    assert list(layers) == LAYERS
    sites = layers["sites"]
    assert sites.fields["Name"] == ["Luninets airfield"] and sites.fields["kind"] == ["airfield"]
    scenes = layers["scenes"].fields
    assert scenes["acquired"] == [D1, D2]  # in date order
    assert scenes["Description"][0] == f"{D1}, test sensor, 1.00 m GSD, georeferencing: embedded"
    obs = layers["observations"].fields
    assert obs["Name"] == ["Luninets airfield 2022-01-20", "Luninets airfield 2022-02-10"]
    assert obs["Description"][0] == "1 aircraft; vehicle not observable; 100% observed"
    assert obs["not_observable"][0] == '{"vehicle": "too coarse"}' and obs["total"] == [1, 2]
    assert json.loads(str(obs["validated"][0])) == {"aircraft": "aircraft-test scored on real imagery (holdout)"}
    assert obs["unvalidated"] == ["", ""]  # the fixture counts aircraft only, and validated
    dets = layers["detections"].fields
    assert dets["Name"] == ["aircraft 0.90"] and dets["Description"] == [
        "Luninets airfield, 2022-01-20, medium, 30 × 30 m"
    ]
    assert layers["change_objects"].fields["Description"] == ["Luninets airfield: departed (seen 2022-01-20)"]
    activity = layers["activity"]
    assert activity.geometries == [None] and activity.fields["Name"] == ["new activity 0.25 ha"]
    assert layers["camps"].fields["Name"] == ["new tent camp: 12 objects"]
    assert all(len(g) == len(v) for layer in layers.values() for g in [layer.geometries] for v in layer.fields.values())


def test_write_geojson_layers(tmp_path: Path) -> None:
    files = write_export(_data(), "geojson", tmp_path / "gj")
    assert [f.name for f in files] == [f"{name}.geojson" for name in LAYERS]
    det = json.loads((tmp_path / "gj" / "detections.geojson").read_text())["features"][0]
    lon, lat = det["geometry"]["coordinates"][0][0]
    assert lon == pytest.approx(26.803) and lat == pytest.approx(52.247)
    assert det["properties"]["class"] == "aircraft" and det["properties"]["score"] == pytest.approx(0.9)


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="use one of gpkg, kml, geojson, csv"):
        check_format("shp")


def test_observations_say_which_counts_are_unvalidated_candidates() -> None:
    from dataclasses import replace

    from forcewatch.report.export import observations_layer

    (first, *_) = _data().observations
    mixed = replace(first, counts={"aircraft": 3, "tent": 9, "vehicle": 80}, validated={"aircraft": "scored"})
    fields = observations_layer([mixed], {mixed.site_id: "Yelsk"}).fields
    assert fields["unvalidated"] == ["tent,vehicle"]
    assert json.loads(str(fields["validated"][0])) == {"aircraft": "scored"}
    assert str(fields["Description"][0]).startswith("3 aircraft; unvalidated candidates: 9 tent, 80 vehicle")
