"""The PlanetScope aircraft labels beside the bundled aircraft model: a real second sensor (3 m) that
``bench/planetscope.py`` scores the model on, and ``forcewatch evaluate --images`` reads as a user would."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

from typer.testing import CliRunner

from forcewatch.cli import _register, app
from forcewatch.detect.registry import model_path
from forcewatch.train.annotations import box_iou
from forcewatch.train.readers import read_annotations

LABELS = model_path("aircraft").parent / "planetscope_labels.json"


def test_the_labels_say_their_licence_and_how_they_were_made() -> None:
    doc = json.loads(LABELS.read_text(encoding="utf-8"))
    assert "CC BY-SA 4.0" in doc["info"]["licence"]
    assert "by eye" in doc["info"]["how"] and "one-sided" in doc["info"]["how"]
    assert all(a["source"].startswith(("detector box", "drawn by eye")) for a in doc["annotations"])


def test_every_scene_reads_with_whole_aircraft_and_no_box_twice(planet_dir: Path) -> None:
    data = read_annotations(LABELS, "coco", gsd_m=3.0, classes=["aircraft"], image_dir=planet_dir)
    assert [im.name for im in data.images] == [f"scene_{k}.png" for k in range(1, 5)]
    whole = [sum(not o.truncated for o in im.objects) for im in data.images]
    assert whole == [70, 34, 94, 173]
    assert sum(o.truncated for im in data.images for o in im.objects) == 58  # difficult: neither counted nor penalised
    assert data.merged_duplicates == 0
    for im in data.images:
        for a, b in combinations(im.objects, 2):
            assert box_iou(a.box_px, b.box_px) < 0.2, (im.name, a.box_px, b.box_px)


def test_evaluate_scores_the_model_on_labels_kept_apart_from_the_read_only_scenes(planet_dir: Path) -> None:
    _register()
    args = ["evaluate", str(LABELS), "--format", "coco", "--gsd-m", "3", "--images", str(planet_dir)]
    res = CliRunner().invoke(app, [*args, "--format-out", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output[res.output.index("{\n") :])  # after the progress bar (stderr)
    (cls,) = out["classes"]
    assert out["images"] == 4 and cls["n_gt"] == 371
    # a real 3 m sensor: what the model reports is nearly always an aircraft, and it finds most of them
    assert cls["precision"] >= 0.9 and cls["recall"] >= 0.6 and cls["ap50"] >= 0.9
