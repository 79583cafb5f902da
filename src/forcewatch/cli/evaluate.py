"""``forcewatch evaluate``: AP50, precision/recall/F1 and count errors on labelled imagery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, parse_class_map, print_json, progress_bar


def evaluate_cmd(
    data: Annotated[Path, typer.Argument(help="Dataset folder or annotation file.")],
    fmt: Annotated[str, typer.Option("--format", help="airbus | coco | dota | yolo")],
    model: Annotated[
        str | None,
        typer.Option("--model", help="Bundled model name or .onnx path (default: aircraft)."),
    ] = None,
    gsd_m: Annotated[
        float | None,
        typer.Option("--gsd-m", help="The imagery's metres per pixel (where the labels do not say)."),
    ] = None,
    split: Annotated[
        Path | None,
        typer.Option("--split", help="JSON whose 'holdout' list names the images to evaluate on."),
    ] = None,
    degrade_to_gsd_m: Annotated[
        float | None,
        typer.Option("--degrade-to-gsd-m", help="First resample the images to this coarser GSD."),
    ] = None,
    stated_gsd_m: Annotated[
        float | None,
        typer.Option("--stated-gsd-m", help="Tell the detector this GSD instead of the true one."),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Operating threshold (default: the model's)."),
    ] = None,
    class_map: Annotated[list[str] | None, typer.Option("--class-map", help="Rename a class: FROM=TO.")] = None,
    format_out: Annotated[str, typer.Option("--format-out", help="table | json")] = "table",
    record: Annotated[
        str | None,
        typer.Option("--record", help="Store these scores in the model file's metadata under this key (e.g. holdout)."),
    ] = None,
) -> None:
    """Evaluate a detector on labelled images it never saw in training."""
    from forcewatch.detect.registry import load_detector
    from forcewatch.train.evaluate import evaluate_predictions, predict_set
    from forcewatch.train.readers import read_annotations

    detector = load_detector(model)
    data_set = read_annotations(data, fmt, gsd_m=gsd_m, classes=None, class_map=parse_class_map(class_map))
    if split is not None:
        data_set = data_set.subset(set(json.loads(split.read_text(encoding="utf-8"))["holdout"]))
    thr = detector.meta.score_threshold if threshold is None else threshold
    with progress_bar("evaluating") as update:
        preds = predict_set(
            detector,
            data_set,
            stated_gsd_m=stated_gsd_m,
            degrade_to_gsd_m=degrade_to_gsd_m,
            progress=lambda i, n: update(i, n, {}),
        )
    reports = evaluate_predictions(preds, data_set, thr)
    if record:
        from forcewatch.train.export import record_scores

        record_scores(
            detector.path,
            record,
            {
                "data": str(data),
                "images": len(data_set.images),
                "threshold": thr,
                "classes": {r.class_name: {**r.to_json(), "n_detections": r.n_detections} for r in reports},
            },
        )
    doc = {
        "data": str(data),
        "format": fmt,
        "images": len(data_set.images),
        "model": detector.model_id,
        "threshold": thr,
        "degrade_to_gsd_m": degrade_to_gsd_m,
        "stated_gsd_m": stated_gsd_m,
        "merged_duplicate_labels": data_set.merged_duplicates,
        "classes": [r.to_json() for r in reports],
    }
    if format_out == "json":
        print_json(doc)
        return
    for note in data_set.notes:
        console.print(note)
    table = Table(title=f"{detector.model_id} on {len(data_set.images)} images (threshold {thr:.2f})")
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
    for r in reports:
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
