"""``forcewatch demo``: the whole pipeline on built-in synthetic imagery (or yours), offline."""

from __future__ import annotations

from pathlib import Path

import typer

from forcewatch.cli.common import console, scan_progress
from forcewatch.cli.options import DemoImageryOpt, ImageGsdOpt, ModelOpt, OutDirOpt


def demo_cmd(
    out: OutDirOpt = Path("forcewatch-demo"),
    imagery: DemoImageryOpt = None,
    gsd_m: ImageGsdOpt = None,
    model: ModelOpt = None,
) -> None:
    """init → ingest → scan → status → export at Luninets airfield, offline."""
    from forcewatch.app.demo import DEMO_SITE_NAME, run_demo
    from forcewatch.cli.workspace import status_table
    from forcewatch.detect.registry import load_detector

    detector = load_detector(model)
    with scan_progress() as update:
        outcome = run_demo(out, detector, imagery=imagery, gsd_m=gsd_m, progress=update)
    console.print(f"[bold]{outcome.note}[/]")
    for r in outcome.scanned:
        o = r.observation
        name = r.scene.path.rsplit("/", 1)[-1]
        truth = f" (rendered: {outcome.truth_counts[name]})" if name in outcome.truth_counts else ""
        console.print(
            f"{r.site.name} {o.acquired[:10]}: {o.counts.get('aircraft', 0)} aircraft detected{truth}, "
            f"{o.share_observed:.0%} of the site observed"
        )
    demo_obs = [r.observation for r in outcome.scanned if r.site.name == DEMO_SITE_NAME]
    if len(demo_obs) >= 2:
        a, b = demo_obs[0].counts.get("aircraft", 0), demo_obs[-1].counts.get("aircraft", 0)
        console.print(
            f"aircraft at {DEMO_SITE_NAME}: {a} on {demo_obs[0].acquired[:10]}, "
            f"{b} on {demo_obs[-1].acquired[:10]} ({b - a:+d})"
        )
    table = status_table(outcome.status)
    if outcome.synthetic:
        table.caption = "imagery: SYNTHETIC (ForceWatch demo)"
    console.print(table)
    console.print(f"workspace: {outcome.workspace} (GeoPackage: {outcome.workspace / 'forcewatch.gpkg'})")
    for f in outcome.exports:
        console.print(f"export: {f}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
