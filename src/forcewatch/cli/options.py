"""The registry of options shared by the commands (as rasterio's ``rio/options.py``): each option
is declared once here, with its flag and help, and commands take it as a typed parameter::

    def status_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None: ...

Options that differ between commands only by their default take it at the call site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# ---- the workspace and output
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "-w",
        "--workspace",
        help="Workspace folder (default: $FORCEWATCH_WORKSPACE or the current folder).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

# ---- sites and dates
SiteArg = Annotated[str, typer.Argument(help="Site name (`forcewatch site list`).")]
SiteOpt = Annotated[str | None, typer.Option("--site", help="Only this site.")]
DateFromOpt = Annotated[
    str | None, typer.Option("--from", help="Earlier date (YYYY-MM-DD): the first observation on or after it.")
]
DateToOpt = Annotated[
    str | None, typer.Option("--to", help="Later date (YYYY-MM-DD): the last observation on or before it.")
]
LineOpt = Annotated[
    str,
    typer.Option(
        "--line",
        help="Border (ISO-3 code or country name; UKR-1991 for Ukraine's internationally recognised borders) "
        "or a line file (.geojson, .gpkg, .kml) to measure distances to.",
    ),
]
DistanceToOpt = Annotated[
    str | None,
    typer.Option(
        "--distance-to",
        help="Measure each site's distance to a country's land border (ISO-3 code or name; UKR-1991 for "
        "Ukraine's internationally recognised borders) or to the lines of a file (.geojson, .gpkg, .kml).",
    ),
]

# ---- models
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Bundled model name or model file path (default: aircraft).")
]
ModelsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        help="Bundled model name or model file path (repeatable; default: every bundled model that can see at "
        "the imagery's GSD).",
    ),
]
ThresholdOpt = Annotated[
    float | None, typer.Option("--threshold", help="Score threshold (default: the model's operating threshold).")
]

# ---- imagery and labelled datasets
ImageGsdOpt = Annotated[
    float | None,
    typer.Option("--gsd-m", help="Metres per pixel, for imagery that does not say (plain images, labels)."),
]
DatasetArg = Annotated[Path, typer.Argument(help="Dataset folder or annotation file.")]
DatasetFormatOpt = Annotated[str, typer.Option("--format", help="airbus | coco | dota | yolo")]
ClassMapOpt = Annotated[
    list[str] | None, typer.Option("--class-map", help="Rename a class: FROM=TO (repeatable; TO '-' drops it).")
]
SplitOpt = Annotated[
    Path | None,
    typer.Option("--split", help="JSON split file with 'train', 'val' and 'holdout' lists of image names."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (the same seed gives the same result).")]
OutFileOpt = Annotated[Path, typer.Option("--out", help="The file to write.")]
OutDirOpt = Annotated[Path, typer.Option("--out", help="The folder to write into.")]
