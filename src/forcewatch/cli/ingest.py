"""``forcewatch ingest`` and ``forcewatch scan``."""

from __future__ import annotations

import typer

from forcewatch.cli.common import console, new_table, progress_bar, scan_progress
from forcewatch.cli.options import (
    AcquiredOpt,
    CenterOpt,
    CrsOpt,
    GcpsOpt,
    GcpToleranceOpt,
    ImageGsdOpt,
    ImagesArg,
    ModelsOpt,
    RotationOpt,
    SensorOpt,
    SiteOpt,
    WorkspaceOpt,
)
from forcewatch.errors import InputError


def _centre(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--center {text!r}: expected LAT,LON in degrees, e.g. --center 52.25,26.80.") from None
    return lat, lon


def ingest_cmd(
    paths: ImagesArg,
    acquired: AcquiredOpt = None,
    sensor: SensorOpt = None,
    center: CenterOpt = None,
    gsd_m: ImageGsdOpt = None,
    rotation_deg: RotationOpt = 0.0,
    crs: CrsOpt = None,
    gcps: GcpsOpt = None,
    gcp_tolerance_m: GcpToleranceOpt = 10.0,
    workspace: WorkspaceOpt = None,
) -> None:
    """Ingest imagery; each scene is linked to the sites it overlaps. Re-ingesting is harmless."""
    from forcewatch.app.ingest import Registration, ingest
    from forcewatch.app.workspace import open_workspace

    reg = Registration(_centre(center), gsd_m, rotation_deg, crs, gcps, gcp_tolerance_m)
    with open_workspace(workspace) as store, progress_bar("ingesting") as update:
        results = ingest(
            store, paths, acquired=acquired, sensor=sensor, registration=reg, progress=lambda i, n: update(i, n, {})
        )
    table = new_table("Ingest", ("file", "status", "acquired", "GSD m", "georef", "sites"))
    for r in results:
        s = r.scene
        table.add_row(
            r.path.name,
            r.status,
            s.acquired if s else "",
            f"{s.gsd_m:.2f}" if s else "",
            s.georef if s else "",
            r.message,
        )
        if s and s.properties and "gcp_residuals_m" in s.properties:
            console.print(f"{r.path.name}: GCP residuals (m): {s.properties['gcp_residuals_m']}")
    console.print(table)


def scan_cmd(site: SiteOpt = None, model: ModelsOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Scan every scene × site pair not yet scanned with each model. A model that cannot see at a
    scene's GSD (vehicles on 3 m imagery) records its classes as not observable, never as zero."""
    from forcewatch.app.scan import scan_models
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store, scan_progress() as update:
        results = scan_models(store, model, site_name=site, progress=update)
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


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("scan")(scan_cmd)
