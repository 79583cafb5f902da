"""``forcewatch evaluate``: AP50, precision/recall/F1 and count errors on labelled imagery."""

from __future__ import annotations

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
    ModelOpt,
    RecordOpt,
    SplitOpt,
    StatedGsdOpt,
    ThresholdOpt,
)


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


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_cmd)
