"""Held-out scores of a fine-tuned model: the grouped folds (deterministic, every image held out
once, a group never split), the choice between a hold-out split and cross-validation, the time
budget, the threshold, and the score entry that validates a model's counts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forcewatch.train.crossval import (
    DEFAULT_FOLDS,
    MIN_HOLDOUT_IMAGES,
    assign_folds,
    plan_holdout,
    run_minutes,
    threshold_of_max_f1,
)
from forcewatch.train.evaluate import ClassReport
from forcewatch.train.export import score_entry
from tests.detect.test_metadata import META


def _chips(scenes: dict[str, list[int]]) -> tuple[dict[str, int], dict[str, str]]:
    """(chip → objects, chip → scene) for scenes given as lists of object counts."""
    objects = {f"{s}-{i}": n for s, counts in scenes.items() for i, n in enumerate(counts)}
    return objects, {name: name.split("-")[0] for name in objects}


def test_folds_hold_out_whole_scenes_each_image_once() -> None:
    objects, scene = _chips({"a": [3, 0, 2], "b": [4], "c": [1, 1], "d": [0, 0], "e": [2]})
    plan = plan_holdout(objects, [("scene", scene)])
    assert plan is not None and plan.kind == "cross-validation" and len(plan.folds) == DEFAULT_FOLDS
    assert plan.method == "3-fold cross-validation, grouped by scene (5 scenes)"
    held = [n for f in plan.folds for n in f.held]
    assert sorted(held) == sorted(objects)  # every chip held out exactly once
    for f in plan.folds:
        assert set(f.train) | set(f.held) == set(objects) and not set(f.train) & set(f.held)
        assert not {scene[n] for n in f.train} & {scene[n] for n in f.held}  # a scene never on both sides
        assert sum(objects[n] for n in f.held) > 0 and sum(objects[n] for n in f.train) > 0
    assert plan_holdout(objects, [("scene", scene)]) == plan  # deterministic


@given(
    st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=4), min_size=1, max_size=8),
    st.sampled_from([None, 2, 3, 5]),
)
def test_any_plan_holds_each_image_out_once_and_never_splits_a_group(scenes: list[list[int]], k: int | None) -> None:
    objects, scene = _chips({f"s{i}": counts for i, counts in enumerate(scenes)})
    plan = plan_holdout(objects, [("scene", scene)], folds=k)
    if sum(1 for n in objects.values() if n) < 2:
        assert plan is None
        return
    assert plan is not None
    group = scene if plan.grouped_by == "scene" else {n: n for n in objects}
    held = [n for f in plan.folds for n in f.held]
    assert len(held) == len(set(held))
    if plan.kind == "cross-validation":
        assert sorted(held) == sorted(objects)
    for f in plan.folds:
        assert not {group[n] for n in f.train} & {group[n] for n in f.held}
        assert any(objects[n] for n in f.train) and any(objects[n] for n in f.held)


def test_one_scene_is_split_by_chip_and_said_so() -> None:
    objects, scene = _chips({"a": [2, 1, 3, 0]})
    plan = plan_holdout(objects, [("scene", scene)])
    assert plan is not None and plan.grouped_by == "chip" and len(plan.folds) == 3
    assert plan.method == "3-fold cross-validation, grouped by chip (4 chips)"
    # a grouping that leaves every image alone is the unit itself
    plan = plan_holdout(objects, [("place", {n: f"p-{n}" for n in objects})], unit="image")
    assert plan is not None and plan.grouped_by == "image"


def test_two_scenes_give_two_folds_and_many_chips_a_holdout_split() -> None:
    objects, scene = _chips({"a": [2, 1], "b": [1, 1, 1]})
    plan = plan_holdout(objects, [("scene", scene)], folds=5)
    assert plan is not None and len(plan.folds) == 2 and plan.grouped_by == "scene"
    objects, scene = _chips({s: [2] * 4 for s in "abcd"})
    assert sum(1 for n in objects.values() if n) == 16 >= MIN_HOLDOUT_IMAGES
    plan = plan_holdout(objects, [("scene", scene)])
    assert plan is not None and plan.kind == "hold-out" and len(plan.folds) == 1
    assert len(plan.folds[0].held) == 4 and len({scene[n] for n in plan.folds[0].held}) == 1
    assert plan.method == "hold-out of 4 of 16 chips, grouped by scene (4 scenes); the shipped model never saw them"
    # asked for: cross-validation even with many chips
    assert plan_holdout(objects, [("scene", scene)], folds=3).kind == "cross-validation"  # type: ignore[union-attr]


def test_nothing_is_held_out_when_off_or_too_few() -> None:
    assert plan_holdout({"a": 3, "b": 0}) is None  # one chip with objects
    assert plan_holdout({"a": 3, "b": 2}, folds=0) is None
    with pytest.raises(ValueError, match="folds must be 0 or 2"):
        plan_holdout({"a": 3, "b": 2}, folds=1)


def test_assign_folds_balances_objects() -> None:
    objects = {"a": 5, "b": 4, "c": 3, "d": 2, "e": 1, "f": 1}
    folds = assign_folds(objects, {n: n for n in objects}, 3)
    loads = sorted(sum(objects[n] for n in f.held) for f in folds)
    assert loads == [5, 5, 6]


def test_the_budget_holds_for_folds_and_the_shipped_model() -> None:
    for total in (0.3, 1.0, 10.0, 30.0):
        for runs in (1, 3, 4, 6):
            each = run_minutes(total, runs)
            assert runs * each <= total + 1e-9 and each >= 0.8 * total / runs - 1e-4
    assert run_minutes(10.0, 4) == 2.4


def test_the_threshold_is_the_middle_of_the_best_plateau() -> None:
    assert threshold_of_max_f1({0.05: 0.2, 0.1: 0.9, 0.5: 0.8}) == 0.1
    assert threshold_of_max_f1({k / 100: 1.0 for k in range(10, 61)}) == 0.35


def _report(recall: float = 0.8) -> ClassReport:
    return ClassReport("aircraft", 0.9, 0.85, recall, 0.82, 1.5, 12.0, 40, 6, 38)


def test_a_score_entry_validates_only_real_held_out_scores() -> None:
    method = "3-fold cross-validation, grouped by scene (2 scenes)"
    entry = score_entry([_report()], data="workspace labels of site X (2 scenes, by ana)", images=6, threshold=0.42,
                        gsd_m=0.5, validates=True, method=method)  # fmt: skip
    assert set(entry) == {"data", "images", "threshold", "gsd_m", "validates", "method", "classes"}
    assert set(entry["classes"]["aircraft"]) >= {  # type: ignore[index]
        "ap50", "precision", "recall", "f1", "count_mae", "count_mape_pct", "n_gt", "n_images", "n_detections",
    }  # fmt: skip
    meta = replace(META, gsd_m=1.0, scores={"holdout": entry})
    why = meta.validation("aircraft", 0.5)
    assert why is not None and "holdout" in why and "0.5 m" in why
    assert meta.validation("aircraft", 3.0) is None  # far coarser than it was measured at
    synthetic = score_entry([_report()], data="synth", images=6, threshold=0.4, gsd_m=0.5, validates=False,
                            not_validating="the data is SYNTHETIC")  # fmt: skip
    assert synthetic["not_validating"] == "the data is SYNTHETIC"
    assert replace(META, gsd_m=1.0, scores={"holdout": synthetic}).validation("aircraft", 0.5) is None
