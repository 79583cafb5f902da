"""Detect and count objects on one image file with one or more models (``forcewatch detect``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from forcewatch.detect.registry import load_detectors
from forcewatch.detect.run import DetectionRun, detect_image


def detect_file(
    image: Path,
    models: list[str] | None = None,
    *,
    gsd_m: float | None = None,
    score_threshold: float | None = None,
    geojson: Path | None = None,
    annotated: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DetectionRun:
    """Run the named models (every bundled one by default) on ``image`` and write the GeoJSON and
    annotated PNG where asked; returns the run (detections, counts, camps, not-observable classes)."""
    run = detect_image(
        image, load_detectors(models), user_gsd_m=gsd_m, score_threshold=score_threshold, progress=progress
    )
    if geojson is not None:
        from forcewatch.report.geojson import write_geojson

        write_geojson(run, geojson)
    if annotated is not None:
        from forcewatch.report.annotate import write_annotated

        write_annotated(run, annotated)
    return run
