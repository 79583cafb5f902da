"""The card of a fine-tuned model states how its held-out score was measured, whether it validates
the model's counts, and when the init model did better (pure text, no training)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from forcewatch.train.card import FinetuneSummary, finetune_card
from forcewatch.train.crossval import HeldOut
from forcewatch.train.evaluate import ClassReport
from forcewatch.train.finetune import InitModel, finetune_config
from tests.detect.test_metadata import META

INIT = InitModel(Path("init.onnx"), replace(META, model_id="aircraft-1m-v1", classes=("aircraft",)), "ab" * 32, 32)


def _report(ap50: float) -> ClassReport:
    return ClassReport("aircraft", ap50, 0.9, 0.95, 0.92, 0.5, 4.0, 27, 12, 28)


def _card(held: HeldOut | None, not_measured: str = "") -> str:
    meta = replace(INIT.meta, model_id="aircraft-ft", score_threshold=0.3)
    return finetune_card(
        FinetuneSummary(
            meta,
            INIT,
            "workspace labels of site A (3 scenes, by ana)",
            12,
            1,
            27,
            finetune_config(INIT, minutes=2.4),
            46,
            2.3,
            False,
            "maximum F1 on the out-of-fold predictions",
            held,
            not_measured,
            "10 minutes in all",
        )
    )


def _held(**kw: object) -> HeldOut:
    base = HeldOut("cross-validation", "3-fold cross-validation, grouped by scene (3 scenes)",
                   "workspace labels of site A (3 scenes, by ana)", 12, 27, 0.5, 0.3, (_report(0.93),),
                   (_report(0.94),), fold_steps=46)  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def test_the_card_states_the_cross_validation_and_that_it_validates() -> None:
    card = _card(_held())
    assert "## Held-out scores" in card and "**3-fold cross-validation, grouped by scene (3 scenes)**" in card
    assert "shipped model's recipe (46 steps)" in card and "conservative estimate" in card
    assert "*validates* the model's counts" in card and "source imagery at 0.5 m" in card
    assert "| aircraft-ft (fold models) | aircraft | 0.30 | 0.930 |" in card
    assert "| aircraft-1m-v1 (init) | aircraft | 0.40 | 0.940 |" in card
    assert "init model scores higher" not in card  # within 0.02 AP50


def test_the_card_says_when_it_does_not_validate_or_the_init_model_did_better() -> None:
    card = _card(_held(validates=False, not_validating="scene 1 (a.tif) is SYNTHETIC", init_scores=(_report(0.99),)))
    assert "does **not** validate the model's counts: scene 1 (a.tif) is SYNTHETIC" in card
    assert "init model scores higher (AP50): these labels did not improve on aircraft-1m-v1 (though the fold" in card
    card = _card(None, "--cv-folds 0 turned it off")
    assert "Not measured: --cv-folds 0 turned it off" in card and "--record holdout" in card


def test_a_holdout_split_and_val_are_described_as_such() -> None:
    card = _card(_held(kind="hold-out", method="hold-out of 4 of 16 chips, grouped by scene (4 scenes)"))
    assert "**hold-out of 4 of 16 chips" in card and "slightly optimistic" in card and "fold models" not in card
    card = _card(_held(kind="val", data_label="val (yolo)"))
    assert "**On the `--val` images** (val (yolo);" in card


def test_the_init_row_reads_the_chips_at_the_init_models_threshold_for_their_gsd() -> None:
    coarse_init = replace(INIT, meta=replace(INIT.meta, coarse_thresholds=((2.5, 0.37),)))
    summary = FinetuneSummary(
        replace(INIT.meta, model_id="aircraft-ft", score_threshold=0.58, coarse_thresholds=((4.0, 0.3),)),
        coarse_init,
        "PlanetScope scenes",
        4,
        0,
        371,
        finetune_config(INIT, minutes=2.4),
        46,
        2.3,
        False,
        "maximum F1 on the out-of-fold predictions",
        _held(gsd_m=3.0),
        "",
        "",
    )
    card = finetune_card(summary)
    assert "| aircraft-1m-v1 (init) | aircraft | 0.37 | 0.940 |" in card  # 3 m chips: its 3 m threshold
    assert "| aircraft-ft (fold models) | aircraft | 0.30 |" in card
    assert "| threshold for coarse imagery | **0.30** from 4 m — kept from aircraft-1m-v1: chosen for its" in card
    assert "threshold for coarse imagery" not in _card(_held())  # none kept: no row
