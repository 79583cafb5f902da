"""Synthetic small aircraft: sizes on the ground, tight boxes, occlusion shares, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcewatch.errors import InputError
from forcewatch.synth.aircraft import (
    AIRCRAFT_KINDS,
    AircraftRequest,
    Look,
    PlacedAircraft,
    draw_size,
    paint_aircraft,
    plan_aircraft,
    render_aircraft,
    rotor_disc,
)
from forcewatch.synth.objects import Sun

FLAT = (132, 128, 120)
#: overhead sun (shadows under the airframe), no blur, no noise: every changed pixel is painted
CLEAN = Look(Sun(0.0, 0.0), off_nadir_deg=0.0, psf_sigma_px=0.0, noise_sigma=0.0)


def _ground(h: int = 240, w: int = 240) -> np.ndarray:
    return np.full((h, w, 3), FLAT, np.uint8)


def _changed(img: np.ndarray, bg: np.ndarray) -> np.ndarray:
    return np.abs(img.astype(int) - bg.astype(int)).max(axis=2) > 2


def _one(kind: str, gsd_m: float, heading: float, seed: int = 0, **kw: object) -> tuple[np.ndarray, PlacedAircraft]:
    bg = _ground()
    centre = bg.shape[0] * gsd_m / 2
    req = AircraftRequest(kind, centre, centre, heading, **kw)  # type: ignore[arg-type]
    img, (p,) = paint_aircraft(bg, gsd_m, [req], np.random.default_rng(seed), CLEAN)
    return img, p


@pytest.mark.parametrize("kind", ["fighter", "attack", "bizjet"])
@pytest.mark.parametrize(("gsd_m", "heading"), [(0.3, 0.0), (0.5, 90.0), (1.0, 180.0), (0.5, 0.0)])
def test_fixed_wing_box_is_its_length_and_span_on_the_ground(kind: str, gsd_m: float, heading: float) -> None:
    length, span = draw_size(kind, np.random.default_rng(3))
    img, p = _one(kind, gsd_m, heading, length_m=length, span_m=span)
    b = p.box_px
    along, across = (b[2] - b[0]) * gsd_m, (b[3] - b[1]) * gsd_m
    if heading == 90.0:
        along, across = across, along
    assert along == pytest.approx(length, abs=1e-6) and across == pytest.approx(span, abs=1e-6)
    # the painted pixels fill the box: they reach each side, and pass it by less than a pixel (anti-aliasing)
    ys, xs = np.nonzero(_changed(img, _ground()))
    for first, last, lo, hi in ((xs.min(), xs.max(), b[0], b[2]), (ys.min(), ys.max(), b[1], b[3])):
        assert lo - 2 < first < lo + 1 and hi - 2 < last < hi + 1


@given(seed=st.integers(0, 10_000), heading=st.floats(0, 360), gsd_m=st.sampled_from([0.3, 0.5, 1.0]))
@settings(max_examples=12, deadline=None)
def test_helicopter_box_holds_fuselage_and_rotor_disc(seed: int, heading: float, gsd_m: float) -> None:
    rng = np.random.default_rng(seed)
    length, rotor = draw_size("helicopter", rng)
    assert 12.0 <= length <= 18.0 and 14.0 <= rotor <= 21.0
    img, p = _one("helicopter", gsd_m, heading, seed, length_m=length, span_m=rotor)
    hub_x, radius = rotor_disc(length, rotor)
    centre = _ground().shape[0] * gsd_m / 2
    a = math.radians(heading)
    hub = np.array([centre + hub_x * math.cos(a), centre + hub_x * math.sin(a)]) / gsd_m
    b = np.array(p.box_px)
    r_px = radius / gsd_m
    # the box holds the whole disc, touches it, and holds the fuselage's nose and tail
    assert (b[:2] <= hub - r_px + 1e-6).all() and (b[2:] >= hub + r_px - 1e-6).all()
    assert min(hub[0] - r_px - b[0], hub[1] - r_px - b[1], b[2] - hub[0] - r_px, b[3] - hub[1] - r_px) < 1e-6
    for end in (length / 2, -length / 2):
        x, y = (centre + end * math.cos(a)) / gsd_m, (centre + end * math.sin(a)) / gsd_m
        assert b[0] - 1e-6 <= x <= b[2] + 1e-6 and b[1] - 1e-6 <= y <= b[3] + 1e-6
    ys, xs = np.nonzero(_changed(img, _ground()))
    assert xs.min() > b[0] - 2 and xs.max() < b[2] + 1 and ys.min() > b[1] - 2 and ys.max() < b[3] + 1


@given(seed=st.integers(0, 10_000))
@settings(max_examples=15, deadline=None)
def test_drawn_sizes_stay_in_each_kinds_ranges(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for kind, ((l0, l1), (s0, s1), _) in AIRCRAFT_KINDS.items():
        length, span = draw_size(kind, rng)
        assert l0 <= length <= l1 and s0 <= span <= s1


def test_every_label_box_contains_its_painted_pixels_and_lies_in_the_window() -> None:
    bg = _ground(400, 400)
    wanted = [AircraftRequest(k) for k in ("fighter", "attack", "helicopter", "bizjet", "fighter", "helicopter")]
    rng = np.random.default_rng(5)
    requests = plan_aircraft(bg, 0.5, wanted, rng)
    assert len(requests) == len(wanted)
    img, placed = paint_aircraft(bg, 0.5, requests, rng, CLEAN)
    changed = _changed(img, bg)
    inside = np.zeros_like(changed)
    for p in placed:
        x0, y0, x1, y1 = p.box_px
        assert x0 >= 0 and y0 >= 0 and x1 <= 400 and y1 <= 400
        inside[max(0, math.floor(y0) - 1) : math.ceil(y1) + 1, max(0, math.floor(x0) - 1) : math.ceil(x1) + 1] = True
        assert changed[math.floor(y0) : math.ceil(y1), math.floor(x0) : math.ceil(x1)].sum() > 20
    assert changed.any() and not (changed & ~inside).any()


def test_planned_aircraft_keep_clear_of_labelled_objects_and_of_each_other() -> None:
    bg = _ground(480, 480)
    avoid = [(180.0, 180.0, 300.0, 300.0)]  # a real aircraft, say
    wanted = [AircraftRequest("fighter", cover="revetment"), AircraftRequest("helicopter", net_share=0.5)] * 3
    requests = plan_aircraft(bg, 0.5, wanted, np.random.default_rng(2), avoid)
    assert requests
    _, placed = paint_aircraft(bg, 0.5, requests, np.random.default_rng(2), CLEAN)
    for p in placed:
        x0, y0, x1, y1 = p.box_px
        assert x1 < 180 or x0 > 300 or y1 < 180 or y0 > 300
    for i, p in enumerate(placed):
        for q in placed[i + 1 :]:
            assert (
                p.box_px[2] < q.box_px[0]
                or q.box_px[2] < p.box_px[0]
                or p.box_px[3] < q.box_px[1]
                or (q.box_px[3] < p.box_px[1])
            )


@pytest.mark.parametrize("kind", ["fighter", "attack", "helicopter"])
@pytest.mark.parametrize(("share", "seed"), [(0.3, 0), (0.4, 1), (0.5, 2), (0.6, 3), (0.7, 4)])
def test_a_net_covers_the_share_asked(kind: str, share: float, seed: int) -> None:
    _, p = _one(kind, 0.5, 37.0 * seed, seed, net_share=share)
    assert p.netted and p.tag == f"{kind}/open/netted"
    assert p.net_share == pytest.approx(share, abs=0.1)
    assert p.hidden_share == 0.0


@pytest.mark.parametrize(("kind", "share"), [("fighter", 0.3), ("attack", 0.55), ("helicopter", 0.8)])
def test_a_shelter_roof_hides_the_share_asked(kind: str, share: float) -> None:
    _, p = _one(kind, 0.5, 120.0, 4, cover="shelter", shelter_share=share)
    assert p.cover == "shelter" and p.tag == f"{kind}/shelter"
    assert p.hidden_share == pytest.approx(share, abs=0.05)


def test_a_revetment_hides_nothing_from_nadir_and_a_little_off_nadir() -> None:
    for seed in range(3):
        kind = ("fighter", "attack", "helicopter")[seed]
        _, p = _one(kind, 0.5, 60.0 * seed, seed, cover="revetment")
        assert p.hidden_share == 0.0  # the walls stand clear of the airframe
    bg = _ground(300, 300)
    shares = []
    for seed in range(8):
        kind = ("fighter", "attack", "helicopter")[seed % 3]
        req = AircraftRequest(kind, 75.0, 75.0, 30.0 * seed, cover="revetment")
        leaning = Look(Sun(0.0, 0.0), off_nadir_deg=30.0, view_azimuth_deg=45.0 * seed, psf_sigma_px=0, noise_sigma=0)
        _, (p,) = paint_aircraft(bg, 0.5, [req], np.random.default_rng(seed), leaning)
        shares.append(p.hidden_share)
    assert max(shares) > 0.0 and max(shares) < 0.35  # the near wall hides an edge, never most of it


def test_covers_change_the_scene_but_not_the_aircraft() -> None:
    open_img, p_open = _one("fighter", 0.5, 20.0, 9)
    for kw in ({"net_share": 0.5}, {"cover": "revetment"}, {"cover": "shelter"}):
        img, p = _one("fighter", 0.5, 20.0, 9, **kw)
        assert p.box_px == p_open.box_px and p.paint == p_open.paint
        assert _changed(img, open_img).sum() > 50


def test_same_seed_same_picture_and_other_seed_another() -> None:
    bg = _ground(320, 320)
    a, pa = render_aircraft(bg, 0.5, np.random.default_rng(11), n=5, net_p=0.5, revetment_p=0.3, shelter_p=0.2)
    b, pb = render_aircraft(bg, 0.5, np.random.default_rng(11), n=5, net_p=0.5, revetment_p=0.3, shelter_p=0.2)
    c, pc = render_aircraft(bg, 0.5, np.random.default_rng(12), n=5, net_p=0.5, revetment_p=0.3, shelter_p=0.2)
    assert np.array_equal(a, b) and pa == pb
    assert not np.array_equal(a, c) and pa != pc
    assert all(p.class_name == "aircraft" and p.kind in ("fighter", "attack", "helicopter") for p in pa)


def test_background_far_from_the_aircraft_is_left_untouched() -> None:
    bg = np.random.default_rng(0).integers(0, 255, (400, 400, 3), dtype=np.uint8)
    req = AircraftRequest("attack", 40.0, 40.0, 10.0)
    img, _ = paint_aircraft(bg, 0.5, [req], np.random.default_rng(1), CLEAN)
    assert np.array_equal(img[200:], bg[200:]) and np.array_equal(img[:, 200:], bg[:, 200:])
    assert not np.array_equal(img[:200, :200], bg[:200, :200])


def test_unknown_kind_or_cover_says_how_to_fix() -> None:
    for req in (AircraftRequest("bomber", 10, 10), AircraftRequest("fighter", 10, 10, cover="bunker")):
        with pytest.raises(InputError, match="Fix: kind one of fighter"):
            paint_aircraft(_ground(), 0.5, [req], np.random.default_rng(0))
    with pytest.raises(InputError, match="outside the 120 × 120 m background"):
        paint_aircraft(_ground(), 0.5, [AircraftRequest("fighter", 130.0, 10.0)], np.random.default_rng(0))
    with pytest.raises(InputError, match="Fix: use one of"):
        draw_size("bomber", np.random.default_rng(0))
