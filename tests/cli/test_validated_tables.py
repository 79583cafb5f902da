"""Findings apart from unvalidated candidates in ``status``, ``observations``, ``timeline`` and
``compare`` (issue 12 item 5): a site scanned by the bundled aircraft model (validated: scored on
real 0.5 m imagery) and the bundled vehicle model (not validated: civilian cars), where a SYNTHETIC
vehicle park appears between two dates; then an analyst reviews the vehicles of the later date."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from forcewatch.app.workspace import open_workspace
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.cli.common import CANDIDATES_COLUMN, CANDIDATES_NOTE
from forcewatch.detect.registry import load_detector
from forcewatch.imagery.synthetic import render_airfield, write_geotiff
from forcewatch.model import Label, StoredDetection
from forcewatch.synth.scenes import SceneSpec, render_scene
from tests.cli.helpers import run_ok as _run

LAT, LON = 52.25, 26.80
SITE = "Field"
PLACED = 31  # vehicles in the park (the vehicle model, trained on cars, finds 25 of them)
HIDDEN = "camp event(s) from unvalidated candidates not shown (--include-unvalidated shows them)"

AIRCRAFT_ID = load_detector("aircraft").model_id


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 aircraft on 20 January; 4 aircraft and a vehicle park (31 vehicles, clear of the aircraft) on 10 February."""
    tmp = tmp_path_factory.mktemp("validated")
    folder = tmp / "ws"
    _run("init", str(folder))
    _run("site", "add", SITE, "--lat", str(LAT), "--lon", str(LON), "--radius-m", "300", "-w", str(folder))
    planes = [(150 + 90 * k, 220.0, 40.0, 25.0 * k) for k in range(4)]
    before, _ = render_airfield(1000, 640, 0.5, planes[:3], seed=11)
    field, aircraft = render_airfield(1000, 640, 0.5, planes, seed=11)
    spec = SceneSpec(scene_px=1000, tent_camp_p=0.0, vehicle_park_p=1.0, max_parks=1, scattered_vehicles=0)
    after, placed = render_scene(field, 0.5, np.random.default_rng(8), spec, avoid_px=[a.box_px for a in aircraft])
    assert sum(p.class_name == "vehicle" for p in placed) == PLACED
    a = write_geotiff(before, tmp / "a.tif", LAT, LON, 0.5, "2022-01-20T09:00:00Z")
    b = write_geotiff(after, tmp / "b.tif", LAT, LON, 0.5, "2022-02-10T09:00:00Z")
    _run("ingest", str(a), str(b), "-w", str(folder))
    _run("scan", "--model", "aircraft", "--model", "vehicle", "-w", str(folder))
    return folder


def _json(ws: Path, *args: str) -> object:
    return json.loads(_run(*args, "--json", "-w", str(ws)))


def _row(table: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is ``first`` (the first such row)."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in\n{table}")


def _header(table: str) -> list[str]:
    line = next(line for line in table.splitlines() if line.startswith("┃"))
    return [c.strip() for c in line.split("┃")[1:-1]]


def _latest(ws: Path, *flags: str) -> dict:  # type: ignore[type-arg]
    rows = _json(ws, "status", *flags)
    assert isinstance(rows, list)
    return next(r for r in rows if r["site"] == SITE)["latest"]


def test_status_shows_findings_and_candidates_apart(ws: Path) -> None:
    latest = _latest(ws)
    assert latest["counts"] == {"aircraft": 4}  # the findings only
    assert set(latest["validated"]) == {"aircraft"}
    assert "scored on real 0.5 m imagery" in latest["validated"]["aircraft"]
    vehicles = latest["unvalidated_candidates"]["vehicle"]
    assert set(latest["unvalidated_candidates"]) == {"vehicle"} and PLACED // 2 <= vehicles <= PLACED + 3
    assert latest["unvalidated_included"] is False and "note" not in latest

    table = _run("status", "-w", str(ws))
    header, row = _header(table), _row(table, SITE)
    cells = dict(zip(header, row, strict=True))
    assert cells["findings"] == "4 aircraft"
    assert cells[CANDIDATES_COLUMN] == f"{vehicles} vehicle"
    assert CANDIDATES_NOTE in " ".join(table.split()) and INCLUDED_NOTE not in table

    included = _latest(ws, "--include-unvalidated")
    assert included["counts"] == {"aircraft": 4, "vehicle": vehicles}
    assert included["unvalidated_candidates"] == {"vehicle": vehicles}  # still said to be candidates
    assert included["unvalidated_included"] is True and included["note"] == INCLUDED_NOTE
    table = _run("status", "--include-unvalidated", "-w", str(ws))
    cells = dict(zip(_header(table), _row(table, SITE), strict=True))
    assert cells["counts (incl. unvalidated)"] == f"4 aircraft, {vehicles}? vehicle"
    assert CANDIDATES_COLUMN not in cells and INCLUDED_NOTE in table


def test_observations_say_why_each_class_is_validated(ws: Path) -> None:
    doc = _json(ws, "observations", SITE)
    assert isinstance(doc, dict)
    by_model = {(o["acquired"][:10], o["model"].split("-")[0]): o for o in doc["observations"]}
    assert set(by_model) == {(d, m) for d in ("2022-01-20", "2022-02-10") for m in ("aircraft", "vehicle")}
    for date, planes in (("2022-01-20", 3), ("2022-02-10", 4)):
        aircraft, vehicle = by_model[date, "aircraft"], by_model[date, "vehicle"]
        assert aircraft["counts"] == {"aircraft": planes} and aircraft["unvalidated_candidates"] == {}
        assert aircraft["validated"]["aircraft"].startswith(f"{AIRCRAFT_ID} scored on real 0.5 m imagery (holdout")
        assert vehicle["counts"] == {} and vehicle["validated"] == {}
    assert by_model["2022-01-20", "vehicle"]["unvalidated_candidates"] == {"vehicle": 0}
    assert by_model["2022-02-10", "vehicle"]["unvalidated_candidates"]["vehicle"] >= PLACED // 2

    table = _run("observations", SITE, "-w", str(ws))
    header = _header(table)
    assert header[2:5] == ["findings", CANDIDATES_COLUMN, "validated by"]
    cells = [[c.strip() for c in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]
    rows = [dict(zip(header, row, strict=True)) for row in cells]
    assert [r["validated by"] for r in rows if r["model"].startswith("aircraft")] == ["aircraft (model score)"] * 2
    assert {r[CANDIDATES_COLUMN] for r in rows if r["model"].startswith("aircraft")} == {"-"}
    vehicle_rows = [r for r in rows if r["model"].startswith("vehicle")]
    assert [r["findings"] for r in vehicle_rows] == ["-", "-"] and vehicle_rows[0][CANDIDATES_COLUMN] == "0 vehicle"
    assert {r["validated by"] for r in vehicle_rows} == {"-"}

    included = _json(ws, "observations", SITE, "--include-unvalidated")
    assert isinstance(included, dict)
    later = [o for o in included["observations"] if o["model"].startswith("vehicle")][-1]
    assert later["counts"] == later["unvalidated_candidates"] and later["note"] == INCLUDED_NOTE


def test_compare_sets_unvalidated_changes_and_camps_apart(ws: Path) -> None:
    doc = _json(ws, "compare", SITE)
    assert isinstance(doc, dict)
    assert doc["classes"]["aircraft"]["arrived"] == 1 and doc["classes"]["aircraft"]["stayed"] == 3
    assert set(doc["validated"]) == {"aircraft"} and doc["unvalidated"] == ["vehicle"]
    assert doc["camps"] == [] and doc["unvalidated_included"] is False  # the park is not a finding …
    parks = doc["candidate_camps"]  # … but a candidate, set apart
    assert parks and {(k["kind"], k["status"], k["validated"]) for k in parks} == {("vehicle park", "new", False)}
    assert sum(k["counts"]["vehicle"] for k in parks) >= PLACED // 2

    table = _run("compare", SITE, "-w", str(ws))
    assert _row(table, "aircraft")[-1] == "finding" and _row(table, "vehicle")[-1] == "unvalidated candidate"
    lines = table.splitlines()
    aircraft_at = next(i for i, line in enumerate(lines) if line.startswith("│ aircraft"))
    vehicle_at = next(i for i, line in enumerate(lines) if line.startswith("│ vehicle"))
    assert lines[aircraft_at + 1].startswith("├") and vehicle_at == aircraft_at + 2  # a section of their own
    assert f"{len(parks)} {HIDDEN}" in table
    assert "vehicle park new" not in table and INCLUDED_NOTE not in table
    assert "validated on both dates: aircraft (model score)" in table


def test_compare_includes_unvalidated_camps_when_asked(ws: Path) -> None:
    included = _json(ws, "compare", SITE, "--include-unvalidated")
    assert isinstance(included, dict)
    assert included["validated"].keys() == {"aircraft"} and included["unvalidated"] == ["vehicle"]
    parks = [k for k in included["camps"] if not k["validated"]]
    assert parks == included["camps"] and {(k["kind"], k["status"]) for k in parks} == {("vehicle park", "new")}
    assert included["candidate_camps"] == [] and included["note"] == INCLUDED_NOTE
    table = _run("compare", SITE, "--include-unvalidated", "-w", str(ws))
    assert "vehicle park new (2022-02-10)" in table and INCLUDED_NOTE in table and HIDDEN not in table


def test_timeline_marks_unvalidated_candidates(ws: Path) -> None:
    _run("compare", SITE, "-w", str(ws))  # stores the comparison the timeline shows
    doc = _json(ws, "timeline", SITE)
    assert isinstance(doc, dict)
    first, second = doc["observations"]
    assert first["counts"] == {"aircraft": 3} and second["counts"] == {"aircraft": 4}
    vehicles = second["unvalidated_candidates"]["vehicle"]
    (c,) = doc["comparisons"]
    assert set(c["validated"]) == {"aircraft"} and c["unvalidated"] == ["vehicle"]

    table = _run("timeline", SITE, "-w", str(ws))
    row = dict(zip(_header(table), _row(table, "2022-02-10 09:00"), strict=True))
    assert row["counts"] == f"4 aircraft, {vehicles}? vehicle"
    assert row["change since the previous comparison"] == f"aircraft: +1 −0; vehicle?: +{vehicles} −0"
    assert row["validated on both dates"] == "aircraft (model score)"
    assert "N?: an unvalidated candidate" in table and INCLUDED_NOTE not in table
    included = _run("timeline", SITE, "--include-unvalidated", "-w", str(ws))
    assert INCLUDED_NOTE in included


def _verdict(d: StoredDetection, status: str) -> Label:
    """An analyst's verdict on detection ``d``, as ``forcewatch label import`` stores it."""
    assert d.detection.polygon is not None
    return Label(d.scene_id, d.detection.class_name, status, d.detection.polygon, who="ana",
                 when="2022-02-11T08:00:00Z", site_id=d.site_id, detection_id=d.id, source="review.gpkg")  # fmt: skip


def test_an_analyst_review_makes_the_vehicles_findings(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "reviewed"
    shutil.copytree(ws, folder)
    with open_workspace(folder) as store:
        site = store.site(SITE)
        assert site.id is not None
        found = sorted(
            (d for d in store.detections(site.id) if d.detection.class_name == "vehicle"),
            key=lambda d: d.detection.score,
        )
        assert found and {d.acquired[:10] for d in found} == {"2022-02-10"}
        labels = [_verdict(d, "rejected" if i < 2 else "accepted") for i, d in enumerate(found)]
        with store.transaction():
            store.add_labels(labels)

    latest = _latest(folder)
    assert latest["counts"] == {"aircraft": 4, "vehicle": len(found) - 2}  # what the analyst kept
    assert latest["unvalidated_candidates"] == {}
    assert latest["validated"]["vehicle"] == (
        f"reviewed by ana on 2022-02-11: {len(found) - 2} accepted, 2 rejected, 0 added"
    )
    table = _run("status", "-w", str(folder))
    cells = dict(zip(_header(table), _row(table, SITE), strict=True))
    assert cells["findings"] == f"4 aircraft, {len(found) - 2} vehicle" and cells[CANDIDATES_COLUMN] == "-"
    assert CANDIDATES_NOTE not in " ".join(table.split())
    obs = _run("observations", SITE, "-w", str(folder))
    assert "vehicle (reviewed by ana)" in obs

    # the earlier date had no vehicle to review: the change is still not validated on both dates
    doc = _json(folder, "compare", SITE)
    assert isinstance(doc, dict)
    assert doc["unvalidated"] == ["vehicle"] and doc["camps"] == [] and doc["candidate_camps"]
