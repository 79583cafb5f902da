"""Validated or not, in the brief: findings (validated counts) drive the headline, the captions, the
boxes, the timeline and the map; unvalidated candidates are set apart with why and how to review
them; camp events of unvalidated classes are left out and counted; ``--include-unvalidated`` counts
candidates and says so. And what happened since the previous date: ground the earlier date did not
show is "not observed before", never "arrived"; a stored comparison's counts and notes are shown.
Plans built from values; one brief gathered from a GeoPackage store built in code."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from forcewatch.app.report import BriefQuery, gather_site, model_notes
from forcewatch.app.workspace import init
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.detect.onnx_backend import read_meta
from forcewatch.detect.registry import bundled_models
from forcewatch.model import Label, StoredDetection
from forcewatch.report.brief import build_brief
from forcewatch.report.brief_plan import (
    CANDIDATE,
    CANDIDATE_CHIP_SIDE_PX,
    BriefData,
    SiteData,
    map_points,
    measured_on,
    plan_site,
)
from forcewatch.report.chips import STATUS_COLOURS, chip_image
from forcewatch.report.dates import comparison_between, date_status
from tests.report.brief_values import (
    D1,
    D2,
    REVIEWED_TENTS,
    SCORED,
    changed,
    compared,
    comparison,
    observation,
    two_dates,
)
from tests.report.values import LINE, GreyReader, camp, detection, scene, site

SCENES = {1: scene(1, D1), 2: scene(2, D2)}
VEHICLE_MODEL = read_meta(bundled_models()["vehicle"]).model_id  # the INT8 copy of vehicle-0.3m-v2
#: scene pixels, inside the main chips' window (around the aircraft, 300 to 630 px)
VEHICLES_D1 = [(400, 420, 405, 430), (420, 420, 425, 430)]
VEHICLES_D2 = [(400, 420, 405, 430), (420, 420, 425, 430), (440, 420, 445, 430)]


def _vehicle(det_id: int, obs_id: int, box: tuple[float, float, float, float]) -> StoredDetection:
    o = observation(obs_id, D1 if obs_id == 1 else D2, {})
    d = detection(det_id, o, box, "vehicle")
    return replace(d, detection=replace(d.detection, model_id=VEHICLE_MODEL, length_m=5.0, width_m=3.0))


def with_vehicles() -> SiteData:
    """:func:`two_dates` (validated aircraft) and vehicles (candidates): 2 on 20 January, 3 on 10 February."""
    base = two_dates()
    o1, o2 = (replace(o, counts={**o.counts, "vehicle": n}) for o, n in zip(base.observations, (2, 3), strict=True))
    vehicles = [_vehicle(10 + i, 1, b) for i, b in enumerate(VEHICLES_D1)]
    vehicles += [_vehicle(20 + i, 2, b) for i, b in enumerate(VEHICLES_D2)]
    return replace(base, observations=[o1, o2], detections=[*base.detections, *vehicles])


def _drawn(img: np.ndarray, x: float, y: float) -> bool:
    """Whether anything but the reader's grey lies within 2 px of (x, y)."""
    xi, yi = round(x), round(y)
    return bool((img[max(0, yi - 2) : yi + 3, max(0, xi - 2) : xi + 3] != 128).any())


def test_headline_captions_boxes_and_map_show_findings_only() -> None:
    plan = plan_site(with_vehicles(), SCENES, LINE, model_notes={VEHICLE_MODEL: "KIT AIS cars (civilian)"})
    assert plan.headline.startswith("2 aircraft at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022; ")
    assert "+0 aircraft since 20 January 2022" in plan.headline and "vehicle" not in plan.headline
    assert map_points([plan]) == [("Luninets airfield", 52.247, 26.805, "2 aircraft")]
    assert plan.timeline is not None and plan.timeline.series == {"aircraft": [2, 2]}
    second = plan.dates[1]
    assert second.counts == "2 aircraft"
    assert "vehicle:" not in second.caption and ", 2 detections;" in second.caption
    assert second.caption.endswith(
        "Since the previous date: aircraft: 1 arrived, 1 departed, 1 stayed. "
        "Unvalidated candidates (vehicle) are not drawn: see below"
    )
    assert [what for _, what in second.chip.boxes] == ["stayed", "arrived", "departed"]  # no vehicle box
    img = chip_image(second.chip, GreyReader())
    w = second.chip.window
    for x0, y0, x1, y1 in VEHICLES_D2:
        assert w.x0 <= x0 < x1 <= w.x1 and w.y0 <= y0 < y1 <= w.y1
        assert not _drawn(img, (x0 - w.x0) * w.scale, (y0 - w.y0) * w.scale)
        assert not _drawn(img, (x1 - w.x0) * w.scale, (y1 - w.y0) * w.scale)
    assert _drawn(img, (600 - w.x0) * w.scale, (500 - w.y0) * w.scale)  # the arrived aircraft


def test_candidates_are_set_apart_with_why_and_how_to_review() -> None:
    plan = plan_site(with_vehicles(), SCENES, LINE, model_notes={VEHICLE_MODEL: "KIT AIS cars (civilian)"})
    cands = plan.candidates
    assert cands and not cands.included
    assert cands.dates[0] == (D1, "2 vehicle")
    assert cands.dates[1][0] == D2 and cands.dates[1][1].startswith("3 vehicle; since the previous date: vehicle: ")
    assert cands.why == [
        f"vehicle: {VEHICLE_MODEL} has no score on real imagery of vehicle near 1.00 m GSD, and no analyst has "
        f"reviewed them ({VEHICLE_MODEL}'s scores were measured on KIT AIS cars (civilian)); review them with "
        '`forcewatch label export "Luninets airfield" --date 2022-02-10 --out labels.gpkg`, then '
        "`forcewatch label import labels.gpkg`."
    ]
    chip = cands.chip
    assert chip is not None and chip.scene.id == 2  # the latest date's candidates, on their own small chip
    assert [what for _, what in chip.boxes] == [CANDIDATE] * 3
    assert max(chip.window.width_px, chip.window.height_px) <= CANDIDATE_CHIP_SIDE_PX
    img = chip_image(chip, GreyReader())
    w = chip.window
    for x0, y0, _, _ in VEHICLES_D2:
        x, y = round((x0 - w.x0) * w.scale), round((y0 - w.y0) * w.scale)
        patch = img[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2].reshape(-1, 3)
        assert (patch == STATUS_COLOURS[CANDIDATE]).all(axis=1).any()
    # a site without candidates has no such part
    assert not plan_site(two_dates(), SCENES, LINE).candidates


def test_a_site_with_candidates_only_has_no_count_in_its_headline() -> None:
    data = with_vehicles()
    data = replace(data, observations=[replace(o, validated={}) for o in data.observations])
    plan = plan_site(data, SCENES, LINE)
    assert plan.headline.startswith("No validated count at Luninets airfield")
    assert "aircraft" not in plan.headline and "vehicle" not in plan.headline
    assert plan.timeline is None and map_points([plan])[0][3] == "no validated count"
    assert all(not d.chip.boxes for d in plan.dates)
    assert [c.split(":")[0] for c in plan.candidates.why] == ["aircraft", "vehicle"]


def test_the_brief_renders_candidates_apart_and_says_findings_are_validated() -> None:
    data = BriefData([with_vehicles()], SCENES, LINE, model_id="aircraft-test", model_sha256="a" * 64)
    html = build_brief(data, GreyReader(), generated=dt.datetime(2022, 2, 11, tzinfo=dt.UTC))
    headlines = re.findall(r'<p class="headline">(.*?)</p>', html)
    assert headlines and all("vehicle" not in h for h in headlines)
    assert 'id="validated-only"' in html and INCLUDED_NOTE not in html
    part = html[html.index('<div class="candidates"') :]
    assert "Unvalidated candidates (not findings)" in part and "3 vehicle" in part
    assert "forcewatch label export" in part and html.count('class="candidates-chip"') == 1
    assert "Counts: 2 aircraft; 100 % of the site observed." in html


def test_camp_events_of_unvalidated_classes_are_left_out_and_counted() -> None:
    aircraft_only = {"aircraft": SCORED}
    for data in (
        replace(two_dates(), camps=[camp(D2)]),  # no comparison validates the tents
        replace(compared(two_dates(), aircraft_only), camps=[camp(D2)]),
    ):
        plan = plan_site(data, SCENES, LINE)
        second = plan.dates[1]
        assert "tent camp" not in second.caption and second.chip.camps == []
        assert "1 camp event(s) of unvalidated candidates left out (not findings)" in second.caption
        assert plan.candidates.left_out == [
            "1 camp event(s) left out of the findings (their tents or vehicles are not validated on both dates): "
            "tent camp new on 10 February 2022 (12 tents, 0 vehicles)"
        ]
    kept = plan_site(replace(compared(two_dates(), REVIEWED_TENTS), camps=[camp(D2)]), SCENES, LINE)
    assert "tent camp new: 12 tents" in kept.dates[1].caption and len(kept.dates[1].chip.camps) == 1
    assert "left out" not in kept.dates[1].caption and not kept.candidates


def test_include_unvalidated_counts_candidates_and_says_so() -> None:
    data = replace(with_vehicles(), camps=[camp(D2)])
    plan = plan_site(data, SCENES, LINE, include_unvalidated=True)
    assert plan.headline.startswith("2 aircraft, 3 vehicle (unvalidated candidates) at Luninets airfield")
    assert "+0 aircraft, +1 vehicle since 20 January 2022" in plan.headline
    second = plan.dates[1]
    statuses = {box: what for box, what in second.chip.boxes}
    assert [statuses[b] for b in VEHICLES_D2] == ["stayed", "stayed", "arrived"]
    assert sorted(statuses.values()).count("departed") == 1 and len(second.chip.boxes) == 3 + 3
    assert "vehicle: 1 arrived, 0 departed, 2 stayed (unvalidated candidates)" in second.caption
    assert "tent camp new: 12 tents" in second.caption and "not drawn" not in second.caption
    assert plan.timeline is not None and set(plan.timeline.series) == {"aircraft", "vehicle"}
    assert "included" in plan.timeline.title
    assert plan.candidates.included and plan.candidates.chip is None
    assert map_points([plan])[0][3] == "2 aircraft, 3 vehicle (unvalidated candidates)"
    html = build_brief(
        BriefData([data], SCENES, LINE, include_unvalidated=True),
        GreyReader(),
        generated=dt.datetime(2022, 2, 11, tzinfo=dt.UTC),
    )
    header = html[: html.index('<section class="site"')]
    assert f"This brief {INCLUDED_NOTE}." in header and 'id="included-warning"' in header
    assert 'id="validated-only"' not in html
    assert "Unvalidated candidates (counted above as findings, --include-unvalidated)" in html


def test_ground_not_shown_before_is_not_observed_before_never_arrived() -> None:
    base = two_dates()
    o1 = observation(1, D1, {"aircraft": 2}, observed_px=(0, 0, 560, 1000))  # the first date saw the west only
    data = replace(base, observations=[o1, base.observations[1]])
    first = date_status(None, base.detections[:2], o1)
    since = date_status(first.following, base.detections[2:], data.observations[1], o1)
    assert since.status == {3: "stayed", 4: "not observed before"}  # aircraft 4 stands at x = 600
    assert since.changes["aircraft"]["arrived"] == 0 and since.changes["aircraft"]["not_observed_before"] == 1
    plan = plan_site(data, SCENES, LINE)
    second = plan.dates[1]
    assert "aircraft: 0 arrived, 1 departed, 1 stayed, 1 not observed before" in second.caption
    assert "arrived" not in [what for _, what in second.chip.boxes]
    img = chip_image(second.chip, GreyReader())
    w = second.chip.window
    x, y = round((600 - w.x0) * w.scale), round((500 - w.y0) * w.scale)
    patch = img[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3].reshape(-1, 3)
    assert (patch == STATUS_COLOURS["not observed before"]).all(axis=1).any()


def test_a_stored_comparison_gives_the_statuses_counts_and_notes() -> None:
    data = with_vehicles()
    dets = {d.id: d for d in data.detections}
    summary = {
        # looked at again, aircraft 2 is still there (no departure); aircraft 4 stands on ground the
        # first date did not show
        "aircraft": {"before": 2, "after": 2, "arrived": 0, "departed": 0, "stayed": 2, "not_observed": 0},
        "vehicle": {"before": 2, "after": 3, "arrived": 1, "departed": 0, "stayed": 2, "not_observed": 0},
    }
    summary["aircraft"]["not_observed_before"] = 1
    summary["vehicle"]["not_observed_before"] = 0
    notes = {
        "re-examination": "objects found by x-model were not looked at again: their arrivals are not confirmed",
        "new activity": "the two dates' imagery differs in sensor (a, then b)",
    }
    stored = comparison(summary, {"aircraft": SCORED}, notes)
    data = replace(
        data, comparisons=[stored], changed=[changed("not observed before", dets[4]), changed("arrived", dets[22])]
    )
    assert comparison_between(data.comparisons, *data.observations) == stored
    stale = replace(stored, earlier_observation=99)  # made on a scan since replaced: not this pair's
    assert comparison_between([stale], *data.observations) is None
    second = plan_site(data, SCENES, LINE).dates[1]
    assert [what for _, what in second.chip.boxes] == ["stayed", "not observed before"]  # nothing departed
    assert second.caption.endswith(
        "Since the previous date: aircraft: 0 arrived, 0 departed, 2 stayed, 1 not observed before; "
        "new activity: the two dates' imagery differs in sensor (a, then b); re-examination: objects found by "
        "x-model were not looked at again: their arrivals are not confirmed. "
        "Unvalidated candidates (vehicle) are not drawn: see below"
    )
    assert second.candidates == "3 vehicle; since the previous date: vehicle: 1 arrived, 0 departed, 2 stayed"
    included = plan_site(data, SCENES, LINE, include_unvalidated=True).dates[1]
    vehicles = {box: what for box, what in included.chip.boxes if box in VEHICLES_D2}
    assert vehicles == {VEHICLES_D2[0]: "stayed", VEHICLES_D2[1]: "stayed", VEHICLES_D2[2]: "arrived"}


def test_what_a_models_scores_were_measured_on() -> None:
    assert measured_on({"holdout": {"data": "KIT AIS cars", "validates": False}, "x": 1}) == "KIT AIS cars"
    assert measured_on({"holdout": {"data": "Pleiades airports", "validates": True}}) == ""


def test_gather_brief_reads_comparisons_and_never_draws_rejected_detections(tmp_path: Path) -> None:
    """A GeoPackage workspace built in code: one site, one scene, three vehicles (candidates), one
    of which an analyst rejected."""
    store, _ = init(tmp_path / "ws")
    with store:
        with store.transaction():
            st = store.add_site(replace(site(), id=None))
            sc = store.add_scene(replace(scene(1, D2), id=None))
            assert st.id is not None and sc.id is not None
            store.link(sc.id, st.id, 1.0)
            o = replace(observation(1, D2, {"vehicle": 3}), id=None, site_id=st.id, scene_id=sc.id)
            vehicles = [_vehicle(i, 1, b).detection for i, b in enumerate(VEHICLES_D2)]
            store.add_observation(replace(o, model_id=VEHICLE_MODEL), [replace(v, scene_id=sc.id) for v in vehicles])
        ids = [d.id for d in store.detections(st.id)]
        rejected = next(d for d in store.detections(st.id) if d.detection.box_px == VEHICLES_D2[1])
        with store.transaction():
            store.add_labels(
                [Label(sc.id, "vehicle", "rejected", rejected.detection.polygon, "ana", D2, st.id, rejected.id)]
            )
        site_data, scenes = gather_site(store, st, BriefQuery())
        notes = model_notes(store)
    assert len(ids) == 3
    assert sorted(d.id for d in site_data.detections) == sorted(set(ids) - {rejected.id})
    assert site_data.comparisons == [] and site_data.changed == [] and site_data.alerts is None  # no alerts.yaml
    assert list(scenes) == [sc.id]
    assert "KIT AIS" in notes[VEHICLE_MODEL]  # why the bundled vehicle model validates nothing
    plan = plan_site(site_data, scenes, LINE, model_notes=notes)
    assert plan.candidates.chip is not None
    assert sorted(b for b, _ in plan.candidates.chip.boxes) == [VEHICLES_D2[0], VEHICLES_D2[2]]
    assert plan.headline.startswith("No validated count at Luninets airfield")
    assert "scores were measured on KIT AIS" in plan.candidates.why[0]


@pytest.mark.parametrize("include", [False, True])
def test_the_candidates_chip_is_only_for_what_the_main_chips_leave_out(include: bool) -> None:
    plan = plan_site(with_vehicles(), SCENES, LINE, include_unvalidated=include)
    drawn = [b for d in plan.dates for b, _ in d.chip.boxes]
    assert (VEHICLES_D2[0] in drawn) is include
    assert (plan.candidates.chip is None) is include
