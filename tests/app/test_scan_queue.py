"""The pair queue two scans share: a pair one holds is not handed to the other, a scene × site's
smaller-object model waits until its larger-object model is recorded, and a pair whose holder died
unrecorded is taken over by the scan that waits for it."""

from __future__ import annotations

from pathlib import Path

from forcewatch.app.scan import pending_work, record, scan_one
from forcewatch.app.scan_queue import PairQueue
from forcewatch.app.workspace import open_workspace
from forcewatch.detect.registry import load_detector
from tests.cli.test_resumable_scan import _workspace


def _names(claimed: object) -> tuple[str, str] | None:
    if claimed is None:
        return None
    det, scene, _site = claimed.pair  # type: ignore[attr-defined]
    return det.meta.classes[0], scene.acquired[:10]


def test_two_scans_share_the_pairs_in_order(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "ws")
    models = [load_detector("aircraft"), load_detector("vehicle")]
    with open_workspace(ws) as one, open_workspace(ws) as other:  # two connections, as two processes
        q1 = PairQueue(one, pending_work(one, models, "Luninets airfield"))
        q2 = PairQueue(other, pending_work(other, models, "Luninets airfield"))
        first = q1.take()
        assert _names(first) == ("aircraft", "2022-01-10")
        second = q2.take()  # not the pair q1 holds, nor the vehicles of that date (they wait for its aircraft)
        assert _names(second) == ("aircraft", "2022-01-11")
        assert first is not None and second is not None
        first.release()  # q1's process dies before recording: its pair is free and still to do
        third = q2.take()
        assert _names(third) == ("aircraft", "2022-01-10")  # taken over: q2's vehicles of that date wait for it
        assert third is not None
        det, scene, site = third.pair
        record(other, scan_one(other, det, scene, site))
        q2.finish(third)
        assert _names(q2.take()) == ("vehicle", "2022-01-10")  # its aircraft is recorded: ready now
        q2.finish(second)


def test_a_pair_held_elsewhere_that_nothing_waits_for_is_left_to_its_holder(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "ws")
    aircraft = [load_detector("aircraft")]
    with open_workspace(ws) as one, open_workspace(ws) as other:
        q1 = PairQueue(one, pending_work(one, aircraft, "Luninets airfield"))
        q2 = PairQueue(other, pending_work(other, aircraft, "Luninets airfield"))
        held = q1.take()
        assert held is not None
        taken = [q2.take() for _ in range(q2.total)]
        assert [_names(c) for c in taken if c is not None] == [(("aircraft", f"2022-01-{11 + k}")) for k in range(4)]
        assert q2.left == 1  # the one q1 holds, left to it
        for c in taken:
            if c is not None:
                q2.finish(c)
        assert not q2 and q2.left == q2.total
        held.release()
