"""The dashboard's JSON API and its safety: sessions, roles, CSRF, ids, malformed bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.app.workspace import open_workspace
from tests.serve.conftest import Client
from tests.store.filling import read_all

READS = [
    "/api/me",
    "/api/sites",
    "/api/sites?line=UKR",
    "/api/sites/{site}",
    "/api/sites/{site}/detections",
    "/api/sites/{site}/overlays",
    "/api/sites/{site}/overlays?scene={scene}",
    "/api/sites/{site}/labels",
    "/api/alerts",
    "/api/borders",
    "/api/border-line?line=BLR",
    "/api/basemaps",
    "/api/models",
    "/api/train",
    "/api/scenes/{scene}/labels",
    "/api/scenes/{scene}/labels?geojson=true",
]
#: Reads that write the brief (these scenes' images do not exist here: see test_brief_download.py).
BRIEFS = ["/api/brief", "/api/sites/{site}/brief"]
WRITES = [
    ("/api/detections/{detection}/review", {"verdict": "accept"}),
    ("/api/scenes/{scene}/labels", {"class": "aircraft", "box": [26.8, 52.25, 26.8003, 52.2503]}),
    ("/api/train", {"site": 1, "init": "aircraft", "minutes": 1}),
    ("/api/train/stop", {}),
]
PAGES = ["/", "/sites/{site}"]


def _ids(workspace: Path) -> dict[str, int]:
    with open_workspace(workspace) as store:
        site = store.site("Luninets airfield")
        det = next(iter(store.detections(site.id)))
    assert site.id is not None
    return {"site": site.id, "scene": det.scene_id, "detection": det.id}


def _dump(workspace: Path) -> object:
    with open_workspace(workspace) as store:
        return read_all(store)


def test_without_a_session_the_api_answers_401_and_pages_redirect(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    anon = client(None)
    for path in READS + BRIEFS:
        assert anon.get(path.format(**ids)).status_code == 401, path
    for path, body in WRITES:
        assert anon.post(path.format(**ids), json=body).status_code == 401, path
    for path in PAGES:
        done = anon.get(path.format(**ids), follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/login", path
    assert anon.get("/login").status_code == 200


def test_a_signed_in_viewer_reads_everything(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    vera = client("vera")
    for path in READS + PAGES:
        assert vera.get(path.format(**ids)).status_code == 200, path
    sites = {s["site"]: s for s in vera.get("/api/sites").json()}
    lun = sites["Luninets airfield"]
    assert lun["id"] == ids["site"] and lun["latest"]["counts"] == {"aircraft": 3}
    assert lun["change"]["arrived"] == 1
    timeline = vera.get(f"/api/sites/{ids['site']}").json()
    assert [o["counts"] for o in timeline["observations"]] == [{"aircraft": 2}, {"aircraft": 3}]
    fc = vera.get(f"/api/sites/{ids['site']}/detections").json()
    statuses = sorted(str(f["properties"]["status"]) for f in fc["features"])
    assert statuses == ["None", "arrived", "stayed"]


def test_a_viewers_write_answers_403_and_changes_nothing(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    vera = client("vera")
    before = _dump(workspace)
    for path, body in WRITES:
        done = vera.post(path.format(**ids), json=body)
        assert done.status_code == 403 and "viewer cannot" in done.json()["detail"], path
    assert _dump(workspace) == before
    assert not (workspace / "runs").exists()  # no training run was started


def test_a_write_without_the_csrf_token_answers_403(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    anna = client("anna")
    token = anna.headers.pop("X-CSRF-Token")
    before = _dump(workspace)
    for path, body in WRITES:
        assert anna.post(path.format(**ids), json=body).status_code == 403, path
        wrong = anna.post(path.format(**ids), json=body, headers={"X-CSRF-Token": token[:-2] + "xx"})
        assert wrong.status_code == 403, path
    assert anna.post("/logout", follow_redirects=False).status_code == 403
    assert _dump(workspace) == before
    assert not (workspace / "runs").exists()


@pytest.mark.parametrize(
    "bad",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%2Fetc%2Fpasswd",
        "-1",
        "1.0",
        "0x1",
        "abc",
    ],
)
def test_path_traversal_and_non_ids_on_every_path_parameter_give_404(client: Client, workspace: Path, bad: str) -> None:
    ids = _ids(workspace)
    anna = client("anna")
    for key in ids:
        tried = {**ids, key: bad}
        for path in READS + BRIEFS + PAGES:
            if "{" + key + "}" in path:
                assert anna.get(path.format(**tried)).status_code == 404, path.format(**tried)
        for path, body in WRITES:
            if "{" + key + "}" in path:
                assert anna.post(path.format(**tried), json=body).status_code == 404, path.format(**tried)
    assert anna.get(f"/api/sites/{ids['site']}/detections?scene={bad}").status_code == 404
    assert anna.get(f"/api/sites/{ids['site']}/overlays?scene={bad}").status_code == 404
    for tile in (
        f"{bad}/0/0/0.png",
        f"0/{bad}/0/0.png",
        f"0/0/{bad}/0.png",
        f"0/0/0/{bad}.png",
        f"{bad}/archive.pmtiles",
    ):
        assert anna.get(f"/api/basemaps/{tile}").status_code == 404, tile


def test_unknown_ids_give_404(client: Client, workspace: Path) -> None:
    anna = client("anna")
    assert anna.get("/api/sites/999999").status_code == 404
    assert anna.get("/sites/999999").status_code == 404
    assert anna.post("/api/detections/999999/review", json={"verdict": "accept"}).status_code == 404
    body = {"class": "aircraft", "box": [26.8, 52.25, 26.8003, 52.2503]}
    assert anna.post("/api/scenes/999999/labels", json=body).status_code == 404
    for path in ("/api/sites/999999/overlays", "/api/sites/999999/labels", "/api/sites/999999/brief"):
        assert anna.get(path).status_code == 404, path
    assert anna.get("/api/basemaps/0/archive.pmtiles").status_code == 404  # none configured
    assert anna.get("/api/basemaps/0/1/2/3.png").status_code == 404


@pytest.mark.parametrize(
    "path, body",
    [
        ("/api/detections/{detection}/review", b"{not json"),
        ("/api/detections/{detection}/review", b'{"verdict": "maybe"}'),
        ("/api/detections/{detection}/review", b'{"verdict": "accept", "extra": 1}'),
        ("/api/detections/{detection}/review", b"[]"),
        ("/api/scenes/{scene}/labels", b'{"class": "aircraft", "box": [1, 2, 3]}'),
        ("/api/scenes/{scene}/labels", b'{"class": "aircraft", "box": "26.8,52.25"}'),
        ("/api/scenes/{scene}/labels", b'{"class": "aircraft", "box": [26.9, 52.25, 26.8, 52.26]}'),
        ("/api/scenes/{scene}/labels", b'{"box": [26.8, 52.25, 26.8003, 52.2503]}'),
        ("/api/scenes/{scene}/labels", b'{"class": "aircraft", "box": [26.8, 52.25, 26.8003'),
        ("/api/scenes/{scene}/labels", b'{"class": "submarine", "box": [26.8, 52.25, 26.8003, 52.2503]}'),
        ("/api/train", b"{not json"),
        ("/api/train", b'{"site": 1}'),
        ("/api/train", b'{"site": "one", "init": "aircraft"}'),
        ("/api/train", b'{"site": 1, "init": "aircraft", "minutes": -1}'),
        ("/api/train", b'{"site": 1, "init": "aircraft", "minutes": NaN}'),
        ("/api/train", b'{"site": 1, "init": "aircraft", "cv_folds": 1}'),
        ("/api/train", b'{"site": 1, "init": "aircraft", "out": "/tmp/x"}'),
        ("/api/train", b'{"site": 1, "init": "../../etc/passwd"}'),
        ("/api/train", b'{"site": 999999, "init": "aircraft"}'),
        ("/api/train", b'{"site": 1, "init": "aircraft"'),
    ],
)
def test_malformed_json_answers_422_and_the_store_is_unchanged(
    client: Client, workspace: Path, path: str, body: bytes
) -> None:
    ids = _ids(workspace)
    anna = client("anna")
    before = _dump(workspace)
    done = anna.post(path.format(**ids), content=body, headers={"Content-Type": "application/json"})
    assert done.status_code == 422, done.text
    assert "Traceback" not in done.text
    assert _dump(workspace) == before
    assert not (workspace / "runs").exists()  # no training run was started


def test_an_analysts_review_and_drawn_box_are_stored_as_labels_with_who(client: Client, workspace: Path) -> None:
    ids = _ids(workspace)
    anna = client("anna")
    done = anna.post(f"/api/detections/{ids['detection']}/review", json={"verdict": "reject"})
    assert done.status_code == 200 and done.json()["status"] == "rejected" and done.json()["who"] == "anna"
    again = anna.post(f"/api/detections/{ids['detection']}/review", json={"verdict": "accept"})
    assert again.json()["status"] == "accepted"
    box = [26.8, 52.25, 26.8003, 52.2503]
    drawn = anna.post(f"/api/scenes/{ids['scene']}/labels", json={"class": "aircraft", "box": box})
    assert drawn.status_code == 200 and drawn.json()["status"] == "added"
    with open_workspace(workspace) as store:
        mine = [lab for lab in store.labels() if lab.who == "anna"]
    assert sorted((lab.status, lab.detection_id, lab.source) for lab in mine) == [
        ("accepted", ids["detection"], "dashboard"),
        ("added", None, "dashboard"),
    ]
    outside = anna.post(f"/api/scenes/{ids['scene']}/labels", json={"class": "aircraft", "box": [0, 0, 1, 1]})
    assert outside.status_code == 422 and "outside scene" in outside.json()["detail"]
