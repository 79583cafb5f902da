"""``forcewatch detect``: find objects on one image of any size."""

from __future__ import annotations

import typer

from forcewatch.cli.common import console, new_table, print_json, steps_progress
from forcewatch.cli.options import (
    AnnotatedOutOpt,
    GeojsonOutOpt,
    ImageArg,
    ImageGsdOpt,
    JsonOpt,
    ModelsOpt,
    ThresholdOpt,
)


def detect_cmd(
    image: ImageArg,
    gsd_m: ImageGsdOpt = None,
    model: ModelsOpt = None,
    threshold: ThresholdOpt = None,
    as_json: JsonOpt = False,
    geojson: GeojsonOutOpt = None,
    annotated: AnnotatedOutOpt = None,
) -> None:
    """Detect and count objects on IMAGE (resampled to each model's GSD, tiled, merged); group tents
    and vehicles into camps."""
    from forcewatch.app.detect import detect_file

    with steps_progress("detecting", enabled=not as_json) as progress:
        run = detect_file(
            image,
            model,
            gsd_m=gsd_m,
            score_threshold=threshold,
            geojson=geojson,
            annotated=annotated,
            progress=progress,
        )
    if as_json:
        print_json(run.to_json())
        return
    table = new_table(
        f"{image.name}: {run.gsd_m:.2f} m GSD ({run.gsd_source}), model {run.model_id}",
        ("class", "size class", "count", "mean score"),
        right=("count", "mean score"),
    )
    groups: dict[tuple[str, str], list[float]] = {}
    for d in run.detections:
        groups.setdefault((d.class_name, d.size_class), []).append(d.score)
    for (cls, size), scores in sorted(groups.items()):
        table.add_row(cls, size, str(len(scores)), f"{sum(scores) / len(scores):.2f}")
    table.add_row("[bold]all", "", f"[bold]{len(run.detections)}", "")
    if run.models:  # each model's threshold for this imagery (coarse imagery may have its own)
        table.caption = (
            "Counted from score "
            + ", ".join(f"{float(str(m['score_threshold'])):.2f} ({m['model']})" for m in run.models)
            + ". "
        )
    for cls, why in sorted(run.not_observable.items()):
        table.add_row(cls, "-", "not observable", "")
        table.caption = (table.caption or "") + f"{cls} not observable: {why}. "
    console.print(table)
    for i, camp in enumerate(run.camps, start=1):
        counts = ", ".join(f"{n} {c}" for c, n in sorted(camp.counts.items()))
        console.print(
            f"camp {i} ({camp.kind}): {counts} on {camp.area_m2 / 1e4:.2f} ha, {camp.density_per_ha:.0f} objects/ha"
        )
    for path in (geojson, annotated):
        if path:
            console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_cmd)
