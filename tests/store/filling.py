"""A workspace with one of everything, written through the ``Store`` protocol, and everything read
back: to check that both backends return the same values, and that a copy loses nothing."""

from __future__ import annotations

import dataclasses
from typing import Any

from shapely.geometry import MultiPolygon, Point, box

from forcewatch.model import (
    ActivityPolygon,
    CampChange,
    ChangedObject,
    Comparison,
    Detection,
    Label,
    ModelEntry,
    Observation,
    Scene,
    Site,
)
from forcewatch.store.base import Store, User

TRANSFORM = (0.5, 0.0, 500000.0, 0.0, -0.5, 5790000.0)


def scene(sha: str, acquired: str, footprint: Any = None, **kw: Any) -> Scene:
    foot = footprint if footprint is not None else box(26.7, 52.2, 26.9, 52.3)
    return Scene(
        f"/imagery/{sha[:4]}.tif", sha, acquired, "test", "EPSG:32635", TRANSFORM, 100, 80, 0.5, foot, "embedded", **kw
    )


def observation(site: Site, sc: Scene, model: str = "aircraft-1m-v1", **kw: Any) -> Observation:
    assert site.id is not None and sc.id is not None
    fields: dict[str, Any] = {
        "counts": {"aircraft": 2},
        "share_observed": 0.9,
        "observed": site.aoi,
        "model_id": model,
        "model_sha256": model + "-sha",
        "thresholds": {"score": 0.5},
        "software_version": "0.test",
        "validated": {"aircraft": "holdout"},
    } | kw
    return Observation(site.id, sc.id, sc.acquired, **fields)


def detection(sc: Scene, x: float, cls: str = "aircraft") -> Detection:
    return Detection(
        cls,
        0.91,
        (10.0, 20.25, 40.5, 60.0),
        31.5,
        28.0,
        "medium",
        "aircraft-1m-v1",
        sc.id,
        box(x, 52.25, x + 0.0003, 52.2503),
    )


def fill(store: Store) -> dict[str, Any]:
    """Sites (one removed, so ids have a gap; one a MultiPolygon; one with its own models), scenes,
    links, observations with detections (one with no observed area), a comparison with changed
    objects, activity and camps, alerts (one delivered), labels (one replacing another), a model,
    log lines."""
    with store.transaction():
        gone = store.add_site(Site("Gone", Point(20, 50).buffer(0.01), "other"))
        a = store.add_site(
            Site("Luninets airfield", Point(26.8, 52.25).buffer(0.02), "airfield", "Su-25s", 52.25, 26.8, 2000)
        )
        two = MultiPolygon([box(26.75, 52.21, 26.76, 52.22), box(26.77, 52.21, 26.78, 52.22)])
        b = store.add_site(Site("yelsk camp", two, "camp", models=("vehicle", "tanks-yelsk")))
        store.remove_site(gone.name)
        s1 = store.add_scene(scene("a1" * 32, "2022-01-20T09:00:00Z", properties={"cloud_cover": 3.5}))
        s2 = store.add_scene(scene("b2" * 32, "2022-02-10T09:05:00Z"))
        assert a.id is not None and b.id is not None and s1.id is not None and s2.id is not None
        for sc in (s1, s2):
            store.link(sc.id, a.id, 1.0)
            store.link(sc.id, b.id, 0.25)
        store.link(s2.id, b.id, 0.5)  # replaces the link above
        o1 = store.add_observation(observation(a, s1), [detection(s1, 26.80)])
        o2 = store.add_observation(
            observation(a, s2, counts={"aircraft": 3}), [detection(s2, 26.80), detection(s2, 26.81)]
        )
        store.add_observation(
            observation(
                b,
                s2,
                "vehicle-0.3m-v2",
                counts={},
                observed=None,
                validated={},
                not_observable={"vehicle": "0.5 m is too coarse"},
            ),
            [],
        )
        comparison = Comparison(
            a.id,
            o1,
            o2,
            1.5,
            -2.25,
            0.75,
            0.9,
            {"aircraft": {"before": 2, "after": 3, "arrived": 1, "departed": 0, "stayed": 2, "not_observed": 0}},
            (ChangedObject("arrived", "aircraft", 0.9, box(26.81, 52.25, 26.8103, 52.2503), s2.acquired),),
            (ActivityPolygon(box(26.79, 52.24, 26.795, 52.245), 1234.5, 0.8),),
            {"tent": "not seen at 0.5 m"},
            (
                CampChange(
                    "new",
                    "vehicle park",
                    {"vehicle": 5, "tent": 1},
                    0,
                    5000.0,
                    120.5,
                    box(26.78, 52.23, 26.785, 52.235),
                    s2.acquired,
                ),
            ),
            {"re-examination": "2 objects could not be looked at again"},
            {"aircraft": "holdout"},
        )
        cid = store.add_comparison(comparison)
        cid = store.add_comparison(comparison)  # replaces the first
        assert store.add_alert("arrivals", cid, a.name, "1 aircraft arrived", {"arrived": 1, "site": a.name})
        assert not store.add_alert("arrivals", cid, a.name, "again", {})
        store.add_alert("camp", cid, a.name, "a new vehicle park", {"kind": "vehicle park"})
        first = store.pending_alerts()[0]
        store.mark_alert(first.id, "console")
        store.mark_alert(first.id, "webhook", "HTTP 500")
        det = next(store.detections(a.id, s2.id))
        one = box(26.80, 52.25, 26.8003, 52.2503)
        store.add_labels(
            [
                Label(s2.id, "aircraft", "rejected", one, "ana", "2026-11-30T10:00:00Z", a.id, det.id, "review.gpkg"),
                Label(
                    s2.id, "aircraft", "added", box(26.82, 52.25, 26.8203, 52.2503), "ana", "2026-11-30T10:01:00Z", a.id
                ),
            ]
        )
        store.add_labels([Label(s2.id, "aircraft", "accepted", one, "bo", "2026-11-30T11:00:00Z", a.id, det.id)])
        store.add_model(
            ModelEntry(
                "tanks-yelsk",
                "models/tanks-yelsk.onnx",
                "ef" * 32,
                "vehicle-ft",
                ("vehicle",),
                0.3,
                0.75,
                {"cv": {"ap50": 0.5}},
                ("yelsk camp",),
                "2026-11-30T12:00:00Z",
            )
        )
        store.add_user(User("olga", "analyst", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "2026-11-30T13:00:00Z"))
        store.log("test", "filled")
    return {"sites": (a, b), "scenes": (s1, s2), "comparison": cid}


def _no_time(value: Any) -> Any:
    """Values with the time the store wrote them (``created``) blanked: that differs run to run."""
    if dataclasses.is_dataclass(value) and hasattr(value, "created"):
        return dataclasses.replace(value, created="")  # type: ignore[type-var]
    return value


def read_all(store: Store) -> dict[str, Any]:
    """Everything the store returns, through every read of the protocol."""
    sites = store.sites()
    out: dict[str, Any] = {
        "sites": sites,
        "scenes": store.scenes(),
        "observations": store.observations(),
        "detections": list(store.detections()),
        "changed_objects": store.changed_objects(),
        "activity": store.activity(),
        "camps": store.camps(),
        "alerts": [_no_time(a) for a in store.pending_alerts()],
        "labels": store.labels(),
        "models": store.models(),
        "users": store.users(),
        "pending": store.pending_pairs("vehicle-0.3m-v2-sha"),
    }
    for site in sites:
        assert site.id is not None
        out[f"site {site.name}"] = (
            store.site(site.name),
            store.site_by_id(site.id),
            store.scenes_of_site(site.id),
            store.observations(site.id),
            list(store.detections(site_id=site.id)),
            [_no_time(c) for c in store.comparisons(site.id)],
            store.changed_objects({site.id}),
            store.camps({site.id}),
            store.activity({site.id}),
            store.labels(site_id=site.id),
            store.pending_pairs("aircraft-1m-v1-sha", site.name),
        )
    for sc in out["scenes"]:
        out[f"scene {sc.id}"] = (store.scene_by_id(sc.id), store.scene_by_sha(sc.sha256), store.labels(scene_id=sc.id))
    return out
