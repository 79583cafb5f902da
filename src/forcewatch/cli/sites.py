"""``forcewatch site add | list | remove | import | export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from forcewatch.cli.common import console, print_json
from forcewatch.cli.options import WorkspaceOpt
from forcewatch.model import Site

site_app = typer.Typer(help="Watched sites.", no_args_is_help=True)


@site_app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="Site name.")],
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude, degrees north.")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude, degrees east.")] = None,
    place: Annotated[str | None, typer.Option("--place", help="A place name from the offline gazetteer.")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="ISO-2 country code to disambiguate --place.")
    ] = None,
    radius_m: Annotated[
        float | None,
        typer.Option("--radius-m", help="Radius of the area of interest (default 2000 m)."),
    ] = None,
    aoi: Annotated[
        Path | None,
        typer.Option("--aoi", help="A polygon file (GeoJSON, KML, GeoPackage) for the area."),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="airfield | garrison | training-ground | camp | other")] = "other",
    notes: Annotated[str, typer.Option("--notes", help="What was reported there.")] = "",
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a watched site by coordinates or by place name."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.errors import InputError
    from forcewatch.places import resolve
    from forcewatch.sites import make_site, read_site_file

    if place is not None and (lat is not None or lon is not None):
        raise InputError("give either --place or --lat/--lon, not both.")
    if place is not None:
        p = resolve(place, country)
        lat, lon = p.lat, p.lon
        console.print(f"{place!r} → {p.name} ({p.country}), {p.lat:.4f} N {p.lon:.4f} E")
    if lat is None or lon is None:
        raise InputError("a site needs a location. Fix: give --lat and --lon, or --place NAME.")
    area = None
    if aoi is not None:
        if radius_m is not None:
            raise InputError("give either --radius-m or --aoi, not both.")
        shapes = read_site_file(aoi)
        if len(shapes) != 1:
            raise InputError(f"{aoi}: holds {len(shapes)} features; --aoi needs exactly one polygon.")

        area = shapes[0].aoi
    site = make_site(name, lat, lon, radius_m=radius_m, aoi=area, kind=kind, notes=notes)
    store = open_workspace(workspace)
    with store.transaction():
        added = store.add_site(site)
        store.log("site add", f"{added.name} at {lat:.4f}, {lon:.4f}")
    store.close()
    console.print(f"added site {added.name!r} ({added.kind})")


@site_app.command("list")
def list_cmd(
    workspace: WorkspaceOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    distance_to: Annotated[
        str | None,
        typer.Option(
            "--distance-to",
            help="Measure each site's distance to a country's land border (ISO-3 code or name; UKR-1991 for "
            "Ukraine's internationally recognised borders) or to the lines of a file (.geojson, .gpkg, .kml).",
        ),
    ] = None,
) -> None:
    """List the watched sites (and how far each is from a border or line)."""

    from forcewatch.app.workspace import open_workspace
    from forcewatch.sites import area_km2, to_feature

    store = open_workspace(workspace)
    sites = store.sites()
    store.close()
    if distance_to is not None:
        _list_distances(sites, distance_to, as_json)
        return
    if as_json:
        print_json({"type": "FeatureCollection", "features": [to_feature(s) for s in sites]})
        return
    table = Table(title="Sites")
    for col in ("name", "kind", "lat", "lon", "area km²", "notes"):
        table.add_column(col)
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


def _list_distances(sites: list[Site], spec: str, as_json: bool) -> None:

    from forcewatch.geo.distance import distance_to, reference_line

    line = reference_line(spec)
    rows = [(s, distance_to(s.aoi, line)) for s in sites]
    if as_json:
        print_json(
            {
                "line": line.name,
                "source": line.source,
                "sites": [{"site": s.name, "lat": s.lat, "lon": s.lon, "area_distance": d.to_json()} for s, d in rows],
            }
        )
        return
    table = Table(title=f"Distance of each site's area to the {line.name}")
    for col in ("site", "kind", "km", "miles", "nearest point of the line"):
        table.add_column(col, justify="right" if col in ("km", "miles") else "left")
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
def remove_cmd(name: Annotated[str, typer.Argument()], workspace: WorkspaceOpt = None) -> None:
    """Remove a site (and its observations and detections)."""
    from forcewatch.app.workspace import open_workspace

    store = open_workspace(workspace)
    with store.transaction():
        store.remove_site(name)
        store.log("site remove", name)
    store.close()
    console.print(f"removed site {name!r}")


@site_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="GeoJSON, KML or GeoPackage.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Add every site of a file (all or none: one bad feature adds nothing)."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.sites import read_site_file

    sites = read_site_file(file)
    store = open_workspace(workspace)
    with store.transaction():
        for s in sites:
            store.add_site(s)
        store.log("site import", f"{len(sites)} sites from {file}")
    store.close()
    console.print(f"imported {len(sites)} sites from {file}")


@site_app.command("export")
def export_cmd(
    file: Annotated[Path, typer.Argument(help=".geojson, .kml or .gpkg")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the sites to a file."""
    from forcewatch.app.workspace import open_workspace
    from forcewatch.sites import write_site_file

    store = open_workspace(workspace)
    sites = store.sites()
    store.close()
    write_site_file(sites, file)
    console.print(f"wrote {len(sites)} sites to {file}")


def register(app: typer.Typer) -> None:
    app.add_typer(site_app, name="site")
