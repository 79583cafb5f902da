"""Build the bundled country boundaries from Natural Earth admin-0 1:10m (public domain), as
carried by the npm package ``world-atlas`` 2.0.2 (TopoJSON, quantised to 1e5 steps).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    pip install pycountry   # build time only: ISO 3166 numeric → alpha-3
    python scripts/build_borders.py package/countries-10m.json

Writes ``src/forcewatch/data/borders-10m.json.gz``: the topology (shared arcs, so that land
borders between two countries are the arcs both use) with each country's ISO-3 code and name.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parents[1] / "src" / "forcewatch" / "data" / "borders-10m.json.gz"
#: Entities without an ISO numeric code in the source, with the codes used for them here.
EXTRA_CODES = {"Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}


def main() -> None:
    topo = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    countries = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        name = g["properties"]["name"]
        numeric = g.get("id")
        iso3 = EXTRA_CODES.get(name)
        if numeric is not None:
            found = pycountry.countries.get(numeric=str(numeric).zfill(3))
            iso3 = found.alpha_3 if found else iso3
        if iso3 is None:
            continue  # bases, reefs, buffer zones without a code
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        countries.append({"iso3": iso3, "name": name, "numeric": numeric, "polygons": polys})
    doc = {
        "source": "Natural Earth admin-0 countries 1:10m (public domain), via the npm package world-atlas 2.0.2",
        "note": "Natural Earth's default view: Crimea is drawn as part of Russia. ForceWatch also offers UKR-1991 "
        "(Ukraine within its internationally recognised borders) and RUS-1991.",
        "transform": topo["transform"],
        "arcs": topo["arcs"],
        "countries": countries,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8") as fh:
        json.dump(doc, fh, separators=(",", ":"))
    print(f"{len(countries)} countries, {len(topo['arcs'])} arcs → {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
