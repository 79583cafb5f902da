"""``forcewatch evaluate``: AP50, precision/recall/F1 and count errors on labelled imagery."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, print_json, steps_progress
from forcewatch.cli.options import (
    ClassMapOpt,
    DatasetArg,
    DatasetFormatOpt,
    DegradeGsdOpt,
    FormatOutOpt,
    ImageGsdOpt,
    ImagesDirOpt,
    ModelOpt,
    RecordOpt,
    SplitOpt,
    StatedGsdOpt,
    ThresholdOpt,
)

_STAND_IN = (
    "The labelled objects stand in for the model's class (e.g. civilian cars for a military vehicle model): "
    "--record marks the scores as not validating its counts."
)
StandInOpt = Annotated[bool, typer.Option("--stand-in-objects", help=_STAND_IN)]


def evaluate_cmd(
    data: DatasetArg,
    fmt: DatasetFormatOpt,
    model: ModelOpt = None,
    gsd_m: ImageGsdOpt = None,
    split: SplitOpt = None,
    degrade_to_gsd_m: DegradeGsdOpt = None,
    stated_gsd_m: StatedGsdOpt = None,
    threshold: ThresholdOpt = None,
    class_map: ClassMapOpt = None,
    format_out: FormatOutOpt = "table",
    record: RecordOpt = None,
    stand_in: StandInOpt = False,
    images: ImagesDirOpt = None,
) -> None:
    """Evaluate a detector on labelled images it never saw in training."""
    from forcewatch.app.evaluate import evaluate_model

    with steps_progress("evaluating") as progress:
        ev = evaluate_model(
            data,
            fmt,
            model,
            gsd_m=gsd_m,
            split=split,
            degrade_to_gsd_m=degrade_to_gsd_m,
            stated_gsd_m=stated_gsd_m,
            threshold=threshold,
            class_map=class_map,
            record=record,
            stand_in=stand_in,
            images=images,
            progress=progress,
        )
    if format_out == "json":
        print_json(ev.to_json())
        return
    for note in ev.notes:
        console.print(note)
    table = Table(title=f"{ev.model_id} on {ev.images} images (threshold {ev.threshold:.2f})")
    for col in (
        "class",
        "AP50",
        "precision",
        "recall",
        "F1",
        "count MAE",
        "count MAPE %",
        "objects",
    ):
        table.add_column(col, justify="left" if col == "class" else "right")
    for r in ev.classes:
        table.add_row(
            r.class_name,
            f"{r.ap50:.3f}",
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
            f"{r.f1:.3f}",
            f"{r.count_mae:.2f}",
            f"{r.count_mape_pct:.1f}",
            str(r.n_gt),
        )
    console.print(table)
    if ev.recorded is not None:
        why = (
            "validates its counts"
            if ev.recorded["validates"]
            else f"does not validate its counts: {ev.recorded['not_validating']}"
        )
        console.print(f"recorded in the model file as {record!r} (at {ev.recorded['gsd_m']} m GSD; {why})")


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_cmd)
