"""The threshold a fine-tune chooses on held-out chips is the one imagery like theirs is read at: the init
model's thresholds for imagery as coarse as the chips are dropped, those for coarser imagery kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.detect.onnx_backend import read_meta
from forcewatch.train.crossval import HeldOut
from forcewatch.train.evaluate import ClassReport
from forcewatch.train.export import update_metadata
from forcewatch.train.finetune import record_held_out
from tests.detect.test_metadata import _toy_model

REPORT = ClassReport("aircraft", 0.95, 0.9, 0.95, 0.92, 0.5, 4.0, 27, 12, 28)


def _held(gsd_m: float | None) -> HeldOut:
    return HeldOut("cross-validation", "3-fold cross-validation", "scenes (coco)", 4, 27, gsd_m, 0.58, (REPORT,))


@pytest.mark.parametrize(
    ("chips_gsd_m", "kept"),
    [
        (0.5, ((2.5, 0.4), (4.0, 0.3))),  # fine chips: the coarse ones still read coarser imagery
        (3.0, ((4.0, 0.3),)),  # 3 m chips: 0.58 was chosen on 3 m imagery, so 0.4 from 2.5 m goes
        (2.46, ((4.0, 0.3),)),  # a stated 2.5 m, rounded
        (5.0, ()),
        (None, ()),  # the chips' GSD unknown: none can be kept
    ],
)
def test_record_held_out_drops_the_init_thresholds_the_chosen_one_replaces(
    tmp_path: Path, chips_gsd_m: float | None, kept: tuple[tuple[float, float], ...]
) -> None:
    path = _toy_model(tmp_path / "ft.onnx")
    update_metadata(path, coarse_thresholds=((2.5, 0.4), (4.0, 0.3)))
    meta = record_held_out(path, _held(chips_gsd_m))
    assert read_meta(path) == meta and meta.score_threshold == 0.58 and meta.coarse_thresholds == kept
    if chips_gsd_m is not None:
        assert meta.threshold_at(chips_gsd_m) == 0.58  # the chips' own imagery is read at the chosen threshold
    assert meta.scores["holdout"]["threshold"] == 0.58
