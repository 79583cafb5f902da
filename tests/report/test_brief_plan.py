"""The brief's pure steps and its rendering, on values built in code (no store, no raster files):
statuses across dates, the notes under the chips, the chip window, the drawing and the HTML. The
aircraft counts here are validated (as the bundled aircraft model's are at 1 m); what the brief
does with unvalidated candidates is in test_brief_validation.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import cv2
import numpy as np
import pytest

from forcewatch.model import StoredActivity
from forcewatch.report.brief import build_brief, data_uri
from forcewatch.report.brief_plan import (
    BriefData,
    SiteData,
    chip_caption,
    chip_window,
    date_notes,
    map_points,
    plan_site,
)
from forcewatch.report.chips import ACTIVITY_COLOUR, CAMP_COLOUR, STATUS_COLOURS, chip_image, chip_jpeg
from forcewatch.report.dates import DateStatus, date_status, observations_between
from tests.report.brief_values import REVIEWED_TENTS, SCORED, compared, observation
from tests.report.brief_values import two_dates as two_dates_data
from tests.report.values import LINE, GreyReader, camp, detection, scene, site

D1, D2 = "2022-01-20T09:00:00Z", "2022-02-10T09:00:00Z"


@pytest.fixture
def two_dates() -> SiteData:
    """Two aircraft on 20 January; on 10 February one stayed (moved 1 px), one departed, one arrived."""
    return two_dates_data()


def test_statuses_across_two_dates(two_dates: SiteData) -> None:
    o1, o2 = two_dates.observations
    first, second = two_dates.detections[:2], two_dates.detections[2:]
    start = date_status(None, first, o1)
    assert start.status == {} and start.gone == [] and start.changes == {} and start.following == first
    since = date_status(start.following, second, o2, o1)
    assert since.status == {3: "stayed", 4: "arrived"}
    assert [(g.status, g.polygon) for g in since.gone] == [("departed", first[1].detection.polygon)]
    assert since.changes == {
        "aircraft": {"arrived": 1, "departed": 1, "stayed": 1, "not_observed": 0, "not_observed_before": 0}
    }
    assert since.validated == {"aircraft": SCORED} and since.notes == {} and since.comparison is None
    assert since.following == second


def test_an_object_outside_the_observed_part_is_not_observed_and_unseen_classes_are_carried(
    two_dates: SiteData,
) -> None:
    o1 = two_dates.observations[0]
    vehicle = detection(9, o1, (700, 700, 710, 705), "vehicle")
    o2 = observation(2, D2, {"aircraft": 2}, observed_px=(0, 0, 450, 1000), not_observable={"vehicle": "too coarse"})
    since = date_status([*two_dates.detections[:2], vehicle], two_dates.detections[2:], o2, o1)
    assert [(g.status, g.polygon) for g in since.gone] == [("not observed", two_dates.detections[1].detection.polygon)]
    assert date_notes(since, [], [], o2)[0] == "aircraft: 1 arrived, 0 departed, 1 stayed, 1 not observed"
    assert vehicle in since.following  # neither stayed nor departed: compared again on the next date


def test_captions_mention_activity_camps_and_what_was_not_observable() -> None:
    o = observation(2, D2, {"aircraft": 2}, not_observable={"vehicle": "imagery too coarse"})
    assert o.observed is not None
    changed = {"arrived": 1, "departed": 0, "stayed": 1, "not_observed": 0, "not_observed_before": 0}
    since = DateStatus({}, [], {"aircraft": changed}, [], {"aircraft": SCORED})
    notes = date_notes(since, [o.observed], [camp(D2)], o)
    assert notes == [
        "aircraft: 1 arrived, 0 departed, 1 stayed",
        "1 new-activity area(s) outlined",
        "tent camp new: 12 tents, 0 vehicles on 1.50 ha",
        "vehicle not observable (imagery too coarse)",
    ]
    first = DateStatus({}, [], {}, [])
    assert date_notes(first, [], [camp(D2, status="unchanged")], observation(1, D1, {})) == []


def test_chip_window_around_the_boxes_or_the_site() -> None:
    sc = scene(1, D1)
    w = chip_window(sc, site(), [(300, 300, 330, 330), (500, 300, 530, 330)])  # a 60 m margin at 1 m GSD
    assert (w.x0, w.y0, w.x1, w.y1, w.scale, w.width_px, w.height_px) == (240, 240, 590, 390, 1.0, 350, 150)
    whole = chip_window(sc, site(), [])  # no detections: the part of the site in the scene
    assert whole.box_px == pytest.approx((200, 200, 800, 800), abs=1e-6)
    big = chip_window(sc, site(), [(0, 0, 1000, 1000)])  # clamped to the scene, scaled to 900 px
    assert big.box_px == (0, 0, 1000, 1000) and big.scale == 0.9 and (big.width_px, big.height_px) == (900, 900)
    assert chip_caption(sc, 2, w) == (
        "20 January 2022 — test sensor, 1.00 m GSD, 2 detections; 350 m × 150 m; scene sha256 000000000000…"
    )


def test_plan_site_captions_and_estimate(two_dates: SiteData) -> None:
    o2 = two_dates.observations[1]
    act = StoredActivity(1, 1, 1, 500.0, 0.9, D1, D2, o2.observed)
    # the tent camp is a finding: an analyst reviewed the tents of both dates (else: test_brief_validation)
    data = replace(compared(two_dates, REVIEWED_TENTS), activity=[act], camps=[camp(D2)])
    plan = plan_site(data, {1: scene(1, D1), 2: scene(2, D2)}, LINE)
    first, second = plan.dates
    assert "Since the previous date" not in first.caption
    assert second.caption.endswith(
        ". Since the previous date: aircraft: 1 arrived, 1 departed, 1 stayed; 1 new-activity area(s) outlined; "
        "tent camp new: 12 tents, 0 vehicles on 1.50 ha"
    )
    assert [what for _, what in second.chip.boxes] == ["stayed", "arrived", "departed"]
    assert len(second.chip.activity) == 1 and len(second.chip.camps) == 1
    assert plan.headline.startswith("2 aircraft at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022; ")
    assert "from the test line" in plan.headline and "+0 aircraft since 20 January 2022" in plan.headline
    assert plan.timeline is not None and plan.timeline.series == {"aircraft": [2, 2]}
    assert plan.estimate is None  # no estimate given
    assert map_points([plan]) == [("Luninets airfield", 52.247, 26.805, "2 aircraft")]
    empty = plan_site(SiteData(replace(site(), lat=None, lon=None), []), {}, LINE)
    assert empty.headline == "Luninets airfield: no observation yet." and empty.timeline is None
    assert map_points([empty]) == [("Luninets airfield", 0.0, 0.0, "no data")]


def test_observations_between_dates(two_dates: SiteData) -> None:
    obs = two_dates.observations
    assert observations_between(obs) == obs
    assert observations_between(obs, "2022-02-01") == obs[1:]
    assert observations_between(obs, None, "2022-01-20") == obs[:1]  # the whole last day


def _near(img: np.ndarray, x: float, y: float, colour: tuple[int, int, int]) -> bool:
    """Whether ``colour`` (BGR) is drawn within 2 px of (x, y)."""
    xi, yi = round(x), round(y)
    patch = img[max(0, yi - 2) : yi + 3, max(0, xi - 2) : xi + 3].reshape(-1, 3)
    return bool((patch == colour).all(axis=1).any())


def test_chip_drawn_over_the_pixels_the_reader_gives(two_dates: SiteData) -> None:
    outline = scene(2, D2).footprint.buffer(-0.004)  # scene pixels 400 to 600
    data = replace(compared(two_dates, REVIEWED_TENTS), camps=[replace(camp(D2), polygon=outline)])
    plan = plan_site(data, {1: scene(1, D1), 2: scene(2, D2)}, LINE)
    chip = plan.dates[1].chip
    reader = GreyReader()
    img = chip_image(chip, reader)
    w = chip.window
    assert reader.calls == [(2, w.box_px, w.width_px, w.height_px)]
    assert img.shape == (w.height_px, w.width_px, 3)
    assert _near(img, 600 - w.x0, 500 - w.y0, STATUS_COLOURS["arrived"])
    assert _near(img, 301 - w.x0, 300 - w.y0, STATUS_COLOURS["stayed"])
    assert _near(img, 500 - w.x0, 300 - w.y0, STATUS_COLOURS["departed"])  # drawn where it was
    assert _near(img, 400 - w.x0, 400 - w.y0, CAMP_COLOUR)
    assert (img[5, 5] == 128).all()  # the reader's grey elsewhere
    img = chip_image(replace(chip, activity=[outline], camps=[]), GreyReader())
    assert _near(img, 400 - w.x0, 400 - w.y0, ACTIVITY_COLOUR)


def test_chips_are_jpeg_close_to_the_drawing(two_dates: SiteData) -> None:
    chip = plan_site(two_dates, {1: scene(1, D1), 2: scene(2, D2)}, LINE).dates[1].chip
    jpeg = chip_jpeg(chip, GreyReader())
    assert jpeg[:3] == b"\xff\xd8\xff" and data_uri(jpeg).startswith("data:image/jpeg;base64,/9j/")
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    drawn = chip_image(chip, GreyReader())
    assert img.shape == drawn.shape == (chip.window.height_px, chip.window.width_px, 3)
    assert np.abs(img.astype(np.int16) - drawn).mean() < 2.0  # quality 85: the boxes survive
    assert data_uri(b"\x89PNG\r\n\x1a\n").startswith("data:image/png;base64,")  # the charts stay PNG


def test_build_brief_renders_the_sections_without_files(two_dates: SiteData) -> None:
    data = BriefData(
        [
            replace(compared(two_dates, REVIEWED_TENTS), camps=[camp(D2)]),
            SiteData(replace(site(), name="Yelsk", id=2), []),
        ],
        {1: scene(1, D1), 2: scene(2, D2)},
        LINE,
        model_id="aircraft-test",
        model_sha256="a" * 64,
    )
    reader = GreyReader()
    html = build_brief(data, reader, generated=dt.datetime(2022, 2, 11, 8, 0, tzinfo=dt.UTC))
    assert "Generated 2022-02-11 08:00 UTC" in html
    assert html.count('class="chip"') == 2 and [c[0] for c in reader.calls] == [1, 2]
    assert html.count('class="chip" src="data:image/jpeg;base64,') == 2
    assert 'id="sites"' not in html  # the brief of values: every site's section, no table
    assert "2 aircraft at Luninets airfield (52.25 N, 26.80 E) on 10 February 2022" in html
    assert "Yelsk: no observation yet." in html
    assert "tent camp new: 12 tents, 0 vehicles on 1.50 ha" in html
    assert "measured to the test line" in html
    assert html.count("/nowhere/") == 2  # each scene once in the provenance table
