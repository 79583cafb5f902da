"""``forcewatch detect``: find objects on one image of any size."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, print_json, progress_bar


def detect_cmd(
    image: Annotated[Path, typer.Argument(help="GeoTIFF/COG, JPEG or PNG.")],
    gsd_m: Annotated[
        float | None,
        typer.Option("--gsd-m", help="Metres per pixel, for images without georeferencing."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help="Bundled model name or .onnx path (repeatable; default: every bundled model that can see at "
            "the image's GSD).",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Score threshold (default: the model's operating threshold)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table.")] = False,
    geojson: Annotated[
        Path | None,
        typer.Option("--geojson", help="Write detections as GeoJSON (lon/lat when georeferenced)."),
    ] = None,
    annotated: Annotated[Path | None, typer.Option("--annotated", help="Write a PNG with the boxes drawn.")] = None,
) -> None:
    """Detect and count objects on IMAGE (resampled to each model's GSD, tiled, merged); group tents
    and vehicles into camps."""
    from forcewatch.detect.registry import bundled_models, load_detector
    from forcewatch.detect.run import detect_image
    from forcewatch.report.annotate import write_annotated
    from forcewatch.report.geojson import write_geojson

    detector = [load_detector(m) for m in (model or list(bundled_models()))]
    if as_json:
        run = detect_image(image, detector, user_gsd_m=gsd_m, score_threshold=threshold)
    else:
        with progress_bar("detecting") as update:
            run = detect_image(
                image,
                detector,
                user_gsd_m=gsd_m,
                score_threshold=threshold,
                progress=lambda i, n: update(i, n, {}),
            )
    if geojson:
        write_geojson(run, geojson)
    if annotated:
        write_annotated(run, annotated)
    if as_json:
        print_json(run.to_json())
        return
    table = Table(title=f"{image.name}: {run.gsd_m:.2f} m GSD ({run.gsd_source}), model {run.model_id}")
    for col in ("class", "size class", "count", "mean score"):
        table.add_column(col, justify="right" if col in ("count", "mean score") else "left")
    groups: dict[tuple[str, str], list[float]] = {}
    for d in run.detections:
        groups.setdefault((d.class_name, d.size_class), []).append(d.score)
    for (cls, size), scores in sorted(groups.items()):
        table.add_row(cls, size, str(len(scores)), f"{sum(scores) / len(scores):.2f}")
    table.add_row("[bold]all", "", f"[bold]{len(run.detections)}", "")
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
