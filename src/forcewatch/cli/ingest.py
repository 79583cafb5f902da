"""``forcewatch ingest`` and ``forcewatch scan``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, new_table, progress_bar, scan_progress
from forcewatch.cli.options import (
    AcquiredOpt,
    CenterOpt,
    CrsOpt,
    GcpsOpt,
    GcpToleranceOpt,
    ImageGsdOpt,
    ModelsOpt,
    RotationOpt,
    SensorOpt,
    SiteOpt,
    WorkspaceOpt,
)
from forcewatch.errors import InputError

if TYPE_CHECKING:
    from forcewatch.detect.run import Timings

# ingest's own arguments and options (a URL must not pass through a Path: it would lose a slash)
SourcesArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Images: files, folders, quoted glob patterns ('imagery/*.tif'), http(s) URLs of cloud-optimised "
        "GeoTIFFs (read where they are, by range requests), STAC Item JSON files.",
        show_default=False,
    ),
]
SidecarOpt = Annotated[
    Path | None,
    typer.Option(
        "--sidecar",
        help="CSV with a header path,acquired,sensor giving files' dates and sensors (paths relative to the CSV). "
        "A folder's own imagery.csv is read without it. With no images named, its rows are the images.",
    ),
]
CopyOpt = Annotated[
    bool,
    typer.Option(
        "--copy",
        help="Keep a copy of each image in the workspace's imagery/ folder (a URL is downloaded): the workspace "
        "folder then holds all it needs, and can be moved.",
    ),
]


def _centre(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--center {text!r}: expected LAT,LON in degrees, e.g. --center 52.25,26.80.") from None
    return lat, lon


def ingest_cmd(
    paths: SourcesArg = None,
    acquired: AcquiredOpt = None,
    sensor: SensorOpt = None,
    sidecar: SidecarOpt = None,
    copy: CopyOpt = False,
    center: CenterOpt = None,
    gsd_m: ImageGsdOpt = None,
    rotation_deg: RotationOpt = 0.0,
    crs: CrsOpt = None,
    gcps: GcpsOpt = None,
    gcp_tolerance_m: GcpToleranceOpt = 10.0,
    workspace: WorkspaceOpt = None,
) -> None:
    """Ingest imagery (files, folders, glob patterns, COG URLs); each scene is linked to the sites it
    overlaps. Re-ingesting is harmless: a known image is skipped (and, given another --acquired, the
    command that corrects its date is shown)."""
    from forcewatch.app.ingest import DATE_DIFFERS, Registration, expand, ingest
    from forcewatch.app.workspace import open_workspace

    reg = Registration(_centre(center), gsd_m, rotation_deg, crs, gcps, gcp_tolerance_m)
    sources = expand(paths or [], sidecar)
    with open_workspace(workspace) as store, progress_bar("ingesting") as update:
        results = ingest(
            store,
            sources,
            acquired=acquired,
            sensor=sensor,
            registration=reg,
            copy=copy,
            progress=lambda i, n: update(i, n, {}),
        )
    table = new_table("Ingest", ("file", "status", "scene", "acquired", "GSD m", "georef", "sites"))
    for r in results:
        s = r.scene
        table.add_row(
            r.name,
            r.status,
            str(s.id) if s else "",
            s.acquired if s else "",
            f"{s.gsd_m:.2f}" if s else "",
            s.georef if s else "",
            r.message if r.status != DATE_DIFFERS else f"date differs: see below (scene {s.id if s else ''})",
        )
        if s and s.properties and "gcp_residuals_m" in s.properties:
            console.print(f"{r.name}: GCP residuals (m): {s.properties['gcp_residuals_m']}")
    console.print(table)
    for r in results:
        if r.status == DATE_DIFFERS:
            console.print(f"{r.name}: {r.message}", highlight=False, markup=False)


ProfileOpt = Annotated[
    bool,
    typer.Option(
        "--profile",
        help="After the scan, a table of where each model's time went: read and resample, pre-process, "
        "inference, decode, merge, place (in the site, share observed) and store.",
    ),
]


def profile_table(profile: dict[str, Timings]) -> Table:
    """Seconds per stage and model. The read runs beside detection, so only its wait adds to the wall
    time; tiles run side by side on single-threaded copies of a model sum their stages over threads."""
    table = new_table(
        "Where the scan's time went (seconds; a detector's stages summed over the threads running its tiles)",
        PROFILE_COLUMNS,
        right=PROFILE_COLUMNS[1:],
    )
    for model_id, t in profile.items():
        stages = (t.read_s, t.wait_s, t.preprocess_s, t.inference_s, t.decode_s, t.merge_s, t.place_s, t.store_s)
        rate = f"{t.area_km2 / t.wall_s:.2f}" if t.wall_s > 0 else "-"
        table.add_row(
            model_id, str(t.tiles), f"{t.area_km2:.2f}", *(f"{v:.2f}" for v in stages), f"{t.wall_s:.2f}", rate
        )
    return table


PROFILE_COLUMNS = (
    "model",
    "tiles",
    "km²",
    "read+resample (beside)",
    "waited (read or free thread)",
    "pre-process",
    "inference",
    "decode",
    "merge",
    "place",
    "store",
    "wall",
    "km²/s",
)


WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Run the pairs on a local Dask cluster of this many worker processes (one thread each).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Run the pairs on an existing Dask cluster (tcp://HOST:PORT); its workers must read the imagery.",
    ),
]


def scan_cmd(
    site: SiteOpt = None,
    model: ModelsOpt = None,
    profile: ProfileOpt = False,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Scan every scene × site pair not yet scanned with each model, each pair committed on its own:
    a scan stopped at any moment keeps what it finished, and running it again does the rest. A model
    that cannot see at a scene's GSD (vehicles on 3 m imagery) records its classes as not observable,
    never as zero."""
    from forcewatch.app.scan import scan_models
    from forcewatch.app.workspace import open_workspace

    timings: dict[str, Timings] | None = {} if profile else None
    with open_workspace(workspace) as store, scan_progress() as update:
        results = scan_models(
            store, model, site_name=site, progress=update, profile=timings, workers=workers, scheduler=scheduler
        )
    names = ", ".join(model) if model else "each site's models"
    if not results:
        console.print(f"nothing new to scan with {names}: every scene × site pair is done.")
        return
    table = new_table(f"Scan with {names}", ("site", "date", "GSD", "model", "counts", "observed"))
    for r in results:
        o = r.observation
        table.add_row(
            r.site.name,
            o.acquired[:10],
            f"{r.scene.gsd_m:.2f} m",
            o.model_id,
            o.count_text(),
            f"{o.share_observed:.0%}" if not o.not_observable else "-",
        )
    console.print(table)
    if timings:
        console.print(profile_table(timings))


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("scan")(scan_cmd)
