from __future__ import annotations

from forcewatch.change.tracks import build_tracks
from forcewatch.model import Observation
from tests.change.test_match import det


def _obs(i: int, when: str) -> Observation:
    return Observation(1, i, when, {}, 1.0, None, "m", "s", {}, "0", id=i)


def _at(obs_id: int, det_id: int, x: float, when: str):  # type: ignore[no-untyped-def]
    d = det(det_id, x, 0.0, when=when)
    return type(d)(d.id, obs_id, d.scene_id, d.site_id, d.detection, when)


def test_tracks_over_three_dates() -> None:
    t1, t2, t3 = "2022-01-10T09:00:00Z", "2022-01-20T09:00:00Z", "2022-02-10T09:00:00Z"
    obs = [_obs(1, t1), _obs(2, t2), _obs(3, t3)]
    dets = [
        _at(1, 1, 0, t1),
        _at(1, 2, 100, t1),  # two aircraft on the first date
        _at(2, 3, 1, t2),
        _at(2, 4, 200, t2),  # one stays, one leaves, one arrives
        _at(3, 5, 0.5, t3),
        _at(3, 6, 201, t3),
        _at(3, 7, 400, t3),
    ]
    tracks = {tuple(t.detections): t for t in build_tracks(obs, dets)}
    assert tracks[(1, 3, 5)].first_seen == t1 and tracks[(1, 3, 5)].last_seen == t3
    assert tracks[(2,)].last_seen == t1  # left after the first date
    assert tracks[(4, 6)].first_seen == t2 and tracks[(7,)].first_seen == t3
    assert len(tracks) == 4
