"""The site map's overlays (camps, new activity, labels), the classes a drawn object may have, the
models a fine-tune may start from, and the distance to the chosen border on the watchlist."""

from __future__ import annotations

from pathlib import Path

from forcewatch.app.status import status
from forcewatch.app.workspace import open_workspace
from tests.serve.conftest import Client


def _ids(workspace: Path) -> dict[str, int]:
    with open_workspace(workspace) as store:
        site = store.site("Luninets airfield")
        s1, s2 = sorted(store.scenes(), key=lambda s: s.acquired)
    assert site.id is not None and s1.id is not None and s2.id is not None
    return {"site": site.id, "earlier": s1.id, "later": s2.id}


def test_camps_and_new_activity_of_the_comparison_ending_on_a_date(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    vera = client("vera")
    every = vera.get(f"/api/sites/{ids['site']}/overlays").json()
    later = vera.get(f"/api/sites/{ids['site']}/overlays?scene={ids['later']}").json()
    earlier = vera.get(f"/api/sites/{ids['site']}/overlays?scene={ids['earlier']}").json()
    assert every == later  # the one comparison ends on the later date
    assert earlier == {
        "camps": {"type": "FeatureCollection", "features": []},
        "activity": {"type": "FeatureCollection", "features": []},
    }
    (camp,) = later["camps"]["features"]
    assert camp["geometry"]["type"] == "Polygon"
    props = camp["properties"]
    assert (props["status"], props["kind"], props["vehicles"], props["tents"]) == ("new", "vehicle park", 5, 1)
    assert props["area_ha"] == 0.5
    # vehicles and tents are not validated in that comparison (aircraft only): a camp of candidates
    assert props["validated"] is False
    (area,) = later["activity"]["features"]
    assert area["properties"]["area_m2"] == 1234.5 and area["properties"]["confidence"] == 0.8
    lon, lat = area["geometry"]["coordinates"][0][0]
    assert 26.79 <= lon <= 26.795 and 52.24 <= lat <= 52.245


def test_the_labels_of_a_scene_as_geojson_and_a_sites_label_counts(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    vera = client("vera")
    fc = vera.get(f"/api/scenes/{ids['later']}/labels?geojson=true").json()
    assert fc["type"] == "FeatureCollection"
    got = sorted((f["properties"]["status"], f["properties"]["who"]) for f in fc["features"])
    with open_workspace(workspace) as store:
        stored = sorted((lab.status, lab.who) for lab in store.labels(scene_id=ids["later"]))
    assert got == stored and ("added", "ana") in got
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])
    counts = vera.get(f"/api/sites/{ids['site']}/labels").json()["counts"]
    per_status: dict[str, int] = {}
    for status_, _ in stored:
        per_status[status_] = per_status.get(status_, 0) + 1
    assert counts == {"aircraft": per_status}


def test_models_to_start_from_and_the_classes_a_drawn_box_may_have(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    anna = client("anna")
    models = {m["name"]: m for m in anna.get("/api/models").json()}
    assert {"aircraft", "vehicle", "tent", "tanks-yelsk"} <= set(models)
    assert models["tanks-yelsk"]["workspace"] is True and models["tanks-yelsk"]["classes"] == ["vehicle"]
    assert models["aircraft"]["classes"] == ["aircraft"] and models["aircraft"]["workspace"] is False
    box = [26.8, 52.25, 26.8003, 52.2503]
    for cls, code in (("tent", 200), ("vehicle", 200), ("submarine", 422)):
        done = anna.post(f"/api/scenes/{ids['later']}/labels", json={"class": cls, "box": box})
        assert done.status_code == code, (cls, done.text)
    assert "Fix: use one of ['aircraft', 'tent', 'vehicle']" in done.json()["detail"]


def test_the_watchlist_carries_the_distance_to_the_chosen_border(client: Client, workspace: Path) -> None:
    vera = client("vera")
    plain = {s["site"]: s for s in vera.get("/api/sites").json()}
    assert plain["Luninets airfield"]["distance"] is None
    for line in ("UKR", "BLR", "Belarus"):
        got = {s["site"]: s for s in vera.get(f"/api/sites?line={line}").json()}
        with open_workspace(workspace) as store:
            expected = {row.site.name: row.to_json()["distance"] for row in status(store, line)}
        assert {k: v["distance"] for k, v in got.items()} == expected
    ukr = {s["site"]: s for s in vera.get("/api/sites?line=UKR").json()}["Luninets airfield"]["distance"]
    assert ukr["line"].startswith("land border of Ukraine") and 20 < ukr["distance_km"] < 100
    # Luninets is inside Belarus: 0 km would be wrong; its land border is tens of km away
    blr = {s["site"]: s for s in vera.get("/api/sites?line=BLR").json()}["Luninets airfield"]["distance"]
    assert blr["distance_km"] > 0


def test_a_line_is_a_country_never_a_file(client: Client, workspace: Path) -> None:
    vera = client("vera")
    line = vera.get("/api/border-line?line=BLR").json()
    assert line["geometry"]["type"] == "MultiLineString" and "Belarus" in line["properties"]["line"]
    for bad in ("../../etc/passwd", "/etc/passwd", "lines.geojson", "Atlantis", "x" * 65):
        for path in (f"/api/border-line?line={bad}", f"/api/sites?line={bad}"):
            done = vera.get(path)
            assert done.status_code == 422, (path, done.text)
            assert "Traceback" not in done.text
