"""``forcewatch compare`` and ``forcewatch timeline``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, print_json
from forcewatch.cli.options import WorkspaceOpt


def compare_cmd(
    site: Annotated[str, typer.Argument(help="Site name.")],
    date_from: Annotated[
        str | None, typer.Option("--from", help="Earlier date (YYYY-MM-DD): the first observation on or after it.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Later date (YYYY-MM-DD): the last observation on or before it.")
    ] = None,
    mask: Annotated[
        list[Path] | None, typer.Option("--mask", help="Polygons (GeoJSON, GPKG, KML) not to read: not observed.")
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What changed at SITE between two dates: objects arrived, departed, stayed; new activity; misalignment."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.change.compare import compare
    from forcewatch.sites import read_polygons

    masks = [g for f in mask or [] for g in read_polygons(f)]
    store = open_workspace(workspace)
    try:
        comparison = compare(store, site, date_from, date_to, masks)
        with store.transaction():
            cid = store.add_comparison(comparison)
            store.log(
                "compare", f"{site}: {comparison.earlier.acquired} → {comparison.later.acquired}: {comparison.summary}"
            )
    finally:
        store.close()
    c = comparison
    doc = {
        "site": site,
        "comparison_id": cid,
        "earlier": c.earlier.acquired,
        "later": c.later.acquired,
        "misalignment": {"shift_east_m": c.shift_east_m, "shift_north_m": c.shift_north_m, "residual_m": c.residual_m},
        "share_usable": c.share_usable,
        "classes": c.summary,
        "not_observable": c.not_observable,
        "camps": [k.to_json() for k in c.camps],
        "new_activity": [
            {
                "area_m2": round(a.area_m2),
                "area_ha": round(a.area_m2 / 1e4, 3),
                "confidence": round(a.confidence, 2),
                "polygon_wkt": a.polygon.wkt,
            }
            for a in c.activity
        ],
    }
    if as_json:
        print_json(doc)
        return
    table = Table(title=f"{site}: {c.earlier.acquired[:10]} → {c.later.acquired[:10]}")
    for col in ("class", "before", "after", "arrived", "departed", "stayed", "not observed"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for cls, s in c.summary.items():
        table.add_row(cls, *(str(s[k]) for k in ("before", "after", "arrived", "departed", "stayed", "not_observed")))
    for cls in sorted(c.not_observable):
        table.add_row(cls, *(["not observable"] + ["-"] * 5))
    console.print(table)
    for cls, why in sorted(c.not_observable.items()):
        console.print(f"{cls}: not observable ({why}): no count, no change")
    console.print(
        f"misalignment corrected: {c.shift_east_m:+.1f} m east, {c.shift_north_m:+.1f} m north "
        f"(residual about {c.residual_m:.1f} m); {c.share_usable:.0%} of the common area usable (cloud-free, valid)"
    )
    if c.activity:
        total = sum(a.area_m2 for a in c.activity) / 1e4
        console.print(
            f"new activity: {len(c.activity)} area(s), {total:.2f} ha in all; largest "
            f"{c.activity[0].area_m2 / 1e4:.2f} ha (confidence {c.activity[0].confidence:.2f})"
        )
    else:
        console.print("new activity: none found")
    for k in c.camps:
        counts = ", ".join(f"{n} {cls}" for cls, n in sorted(k.counts.items()))
        console.print(
            f"{k.kind} {k.status} ({k.acquired[:10]}): {counts} on {k.area_m2 / 1e4:.2f} ha"
            + (f", was {k.objects_before} objects" if k.status in ("grown", "shrunk", "unchanged") else "")
            + (f"; {k.activity_m2 / 1e4:.2f} ha of new activity inside" if k.activity_m2 else "")
        )


def timeline_cmd(
    site: Annotated[str, typer.Argument(help="Site name.")],
    workspace: WorkspaceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A site's observations and the comparisons between them, in date order."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.change.tracks import build_tracks
    from forcewatch.model import member_ids, merge_by_scene

    store = open_workspace(workspace)
    try:
        s = store.site(site)
        assert s.id is not None
        obs = merge_by_scene(store.observations(s.id))
        comps = store.comparisons(s.id)
        ids = {i for o in obs for i in member_ids(o)}
        tracks = build_tracks(obs, [d for d in store.detections(s.id) if d.observation_id in ids])
    finally:
        store.close()
    if as_json:
        print_json(
            {
                "site": site,
                "observations": [o.to_json() for o in obs],
                "comparisons": [c.to_json() for c in comps],
                "tracks": [t.to_json() for t in tracks],
            }
        )
        return
    table = Table(title=f"{site}: timeline")
    for col in ("date", "counts", "observed", "change since the previous comparison"):
        table.add_column(col)
    by_later = {c.later: c for c in comps}
    for o in obs:
        c = by_later.get(o.acquired)
        change = ""
        if c:
            change = "; ".join(
                f"{cls}: +{v['arrived']} −{v['departed']}"
                + (f" ({v['not_observed']} not observed)" if v["not_observed"] else "")
                for cls, v in c.summary.items()
            )
        table.add_row(
            o.acquired[:16].replace("T", " "),
            o.count_text(),
            f"{o.share_observed:.0%}",
            change or "-",
        )
    console.print(table)
    staying = [t for t in tracks if t.first_seen != t.last_seen]
    console.print(f"{len(tracks)} object tracks; {len(staying)} seen on more than one date")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
    app.command("timeline")(timeline_cmd)
