"""``forcewatch site add | list | remove | import | export``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from forcewatch.cli.common import console, new_table, print_json
from forcewatch.cli.options import (
    AoiOpt,
    CountryOpt,
    DistanceToOpt,
    JsonOpt,
    KindOpt,
    LatOpt,
    LonOpt,
    NotesOpt,
    PlaceOpt,
    RadiusOpt,
    SiteArg,
    SiteFileArg,
    SiteModelsOpt,
    WorkspaceOpt,
)

if TYPE_CHECKING:
    from forcewatch.geo.borders import ReferenceLine
    from forcewatch.geo.distance import Distance
    from forcewatch.model import Site

site_app = typer.Typer(help="Watched sites.", no_args_is_help=True)


@site_app.command("add")
def add_cmd(
    name: SiteArg,
    lat: LatOpt = None,
    lon: LonOpt = None,
    place: PlaceOpt = None,
    country: CountryOpt = None,
    radius_m: RadiusOpt = None,
    aoi: AoiOpt = None,
    kind: KindOpt = "other",
    notes: NotesOpt = "",
    models: SiteModelsOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a watched site by coordinates or by place name."""
    from forcewatch.app.sites import add_site
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        added = add_site(
            store,
            name,
            lat=lat,
            lon=lon,
            place=place,
            country=country,
            radius_m=radius_m,
            aoi_path=aoi,
            kind=kind,
            notes=notes,
            models=split_names(models),
        )
    if added.place is not None:
        p = added.place
        console.print(f"{place!r} → {p.name} ({p.country}), {p.lat:.4f} N {p.lon:.4f} E")
    console.print(f"added site {added.site.name!r} ({added.site.kind}; runs {', '.join(added.models)})")
    if added.scenes:
        console.print(f"{added.scenes} ingested scene(s) cover it: `forcewatch scan` reads them")


@site_app.command("set")
def set_cmd(name: SiteArg, models: SiteModelsOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Change what a site runs: --models a,b (bundled or workspace models), or 'default' for its kind's."""
    from forcewatch.app.models import set_site_models, site_model_names
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        site = set_site_models(store, name, split_names(models))
    console.print(f"site {site.name!r} ({site.kind}) runs {', '.join(site_model_names(site))}")


def split_names(text: str | None) -> list[str] | None:
    """``--models a,b`` as a list; None for no option or 'default' (the site's kind chooses)."""
    if text is None or text.strip().lower() == "default":
        return None
    return [n.strip() for n in text.split(",") if n.strip()]


@site_app.command("list")
def list_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False, distance_to: DistanceToOpt = None) -> None:
    """List the watched sites (and how far each is from a border or line)."""
    from forcewatch.app.sites import list_sites, site_distances
    from forcewatch.app.workspace import open_workspace
    from forcewatch.sites import area_km2, to_feature

    if distance_to is not None:
        with open_workspace(workspace) as store:
            line, rows = site_distances(store, distance_to)
        _print_distances(line, rows, as_json)
        return
    with open_workspace(workspace) as store:
        sites = list_sites(store)
    if as_json:
        print_json({"type": "FeatureCollection", "features": [to_feature(s) for s in sites]})
        return
    table = new_table("Sites", ("name", "kind", "lat", "lon", "area km²", "notes"))
    for s in sites:
        table.add_row(
            s.name,
            s.kind,
            f"{s.lat:.4f}" if s.lat is not None else "",
            f"{s.lon:.4f}" if s.lon is not None else "",
            f"{area_km2(s.aoi):.1f}",
            s.notes[:60],
        )
    console.print(table)


def _print_distances(line: ReferenceLine, rows: list[tuple[Site, Distance]], as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "line": line.name,
                "source": line.source,
                "sites": [{"site": s.name, "lat": s.lat, "lon": s.lon, "area_distance": d.to_json()} for s, d in rows],
            }
        )
        return
    table = new_table(
        f"Distance of each site's area to the {line.name}",
        ("site", "kind", "km", "miles", "nearest point of the line"),
        right=("km", "miles"),
    )
    for s, d in sorted(rows, key=lambda r: r[1].distance_m):
        table.add_row(
            s.name,
            s.kind,
            f"{d.distance_km:.1f}",
            f"{d.distance_miles:.1f}",
            f"{d.nearest_lat:.4f} N, {d.nearest_lon:.4f} E",
        )
    console.print(table)
    console.print(f"line: {line.name} — {line.source}")


@site_app.command("remove")
def remove_cmd(name: SiteArg, workspace: WorkspaceOpt = None) -> None:
    """Remove a site (and its observations and detections)."""
    from forcewatch.app.sites import remove_site
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        remove_site(store, name)
    console.print(f"removed site {name!r}")


@site_app.command("import")
def import_cmd(
    file: SiteFileArg,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add every site of a file (all or none: one bad feature adds nothing)."""
    from forcewatch.app.sites import import_sites
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        sites = import_sites(store, file)
    console.print(f"imported {len(sites)} sites from {file}")


@site_app.command("export")
def export_cmd(
    file: SiteFileArg,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the sites to a file."""
    from forcewatch.app.sites import export_sites
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        sites = export_sites(store, file)
    console.print(f"wrote {len(sites)} sites to {file}")


def register(app: typer.Typer) -> None:
    app.add_typer(site_app, name="site")
