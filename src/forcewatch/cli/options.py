"""The registry of every command-line option and argument (as rasterio's ``rio/options.py``): each
is declared once here, with its flag and help, and commands take it as a typed parameter::

    def status_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None: ...

Defaults stay with the commands (they differ between commands); flags and help live here only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def _opt(*flags: str, help: str) -> Any:
    return typer.Option(*flags, help=help)


def _arg(help: str) -> Any:
    return typer.Argument(help=help)


_DISTANCE_TO = (
    "Measure each site's distance to a country's land border (ISO-3 code or name; UKR-1991 for Ukraine's "
    "internationally recognised borders) or to the lines of a file (.geojson, .gpkg, .kml)."
)
_LINE = "Border (ISO-3 code or country name; UKR-1991: Ukraine's recognised borders) or line file to measure to."
_MODELS = "Bundled model name or model file (repeatable; default: every bundled model that can see at its GSD)."
_SYNTH_FORMAT = "Read BACKGROUNDS as a labelled dataset (airbus | coco | dota | yolo), kept clear of synthetic objects."
_MILITARY = (
    "Share of crops made to look like a military vehicle park (dusty ground, repainted vehicles enlarged up to "
    "3x, composited rows of armour and trucks); for vehicle models."
)
_MAX_SOURCE = (
    "Coarsest imagery (m/pixel) the classes can be seen in; a scan of coarser imagery records them as not "
    "observable (default: 3x the model GSD)."
)
_RECORD = "Store these scores in the model file's metadata under this key (e.g. holdout)."

# fmt: off
# ---- the workspace and output
WorkspaceOpt = Annotated[Path | None, _opt("-w", "--workspace", help="Workspace folder (default: $FORCEWATCH_WORKSPACE or here).")]
JsonOpt = Annotated[bool, _opt("--json", help="Print JSON instead of a table.")]
IncludeUnvalidatedOpt = Annotated[bool, _opt("--include-unvalidated", help="Count unvalidated candidates (classes no real-imagery score or analyst review validates) as findings too; the output then says so.")]
InitFolderArg = Annotated[Path, _arg(help="Folder for the new workspace.")]
ExampleOpt = Annotated[str | None, _opt("--example", help="Add an example watchlist: ukraine-2022.")]

# ---- sites and dates
SiteArg = Annotated[str, _arg(help="Site name (`forcewatch site list`).")]
SiteOpt = Annotated[str | None, _opt("--site", help="Only this site.")]
LatOpt = Annotated[float | None, _opt("--lat", help="Latitude, degrees north.")]
LonOpt = Annotated[float | None, _opt("--lon", help="Longitude, degrees east.")]
PlaceOpt = Annotated[str | None, _opt("--place", help="A place name from the offline gazetteer.")]
CountryOpt = Annotated[str | None, _opt("--country", help="ISO-2 country code to disambiguate --place.")]
RadiusOpt = Annotated[float | None, _opt("--radius-m", help="Radius of the area of interest (default 2000 m).")]
AoiOpt = Annotated[
    Path | None,
    _opt(
        "--aoi",
        help="A polygon file (GeoJSON, KML, GeoPackage) for the area; its centre is the location "
        "unless --lat/--lon or --place is given.",
    ),
]
KindOpt = Annotated[str, _opt("--kind", help="airfield | garrison | training-ground | camp | depot | other")]
NotesOpt = Annotated[str, _opt("--notes", help="What was reported there.")]
SiteFileArg = Annotated[Path, _arg(help="A site file: .geojson, .kml or .gpkg.")]
DateFromOpt = Annotated[str | None, _opt("--from", help="Earlier date (YYYY-MM-DD): the first observation on or after it.")]
DateToOpt = Annotated[str | None, _opt("--to", help="Later date (YYYY-MM-DD): the last observation on or before it.")]
LineOpt = Annotated[str, _opt("--line", help=_LINE)]
DistanceToOpt = Annotated[str | None, _opt("--distance-to", help=_DISTANCE_TO)]
MaskOpt = Annotated[list[Path] | None, _opt("--mask", help="Polygons (GeoJSON, GPKG, KML) not to read: not observed.")]
SiteModelsOpt = Annotated[str | None, _opt("--models", help="Comma-separated models the site runs ('default': its kind's).")]
ModelFileArg = Annotated[Path, _arg(help="A ForceWatch model file (.onnx), e.g. the model.onnx of `forcewatch train`.")]
ModelNameArg = Annotated[str, _arg(help="Name of a workspace model (`forcewatch model list`).")]
ModelNameOpt = Annotated[str, _opt("--name", help="The name sites and scans will call it by.")]
ModelSitesOpt = Annotated[list[str] | None, _opt("--site", help="A site that runs it (repeatable).")]
LabelOutOpt = Annotated[Path, _opt("--out", help="The label GeoPackage to write (open it in QGIS).")]
LabelDateOpt = Annotated[str | None, _opt("--date", help="Only the detections of this date (YYYY-MM-DD).")]
LabelFileArg = Annotated[Path, _arg(help="A label GeoPackage written by `forcewatch label export`, edited.")]
WhoOpt = Annotated[str | None, _opt("--who", help="Who reviewed (default: your user name).")]
ForceOpt = Annotated[bool, _opt("--force", help="Replace an existing file.")]

# ---- imagery
ImagesArg = Annotated[list[Path], _arg(help="GeoTIFF/COG, STAC Item JSON, or JPEG/PNG files.")]
ImageArg = Annotated[Path, _arg(help="GeoTIFF/COG, JPEG or PNG.")]
ImageGsdOpt = Annotated[float | None, _opt("--gsd-m", help="Metres per pixel, for imagery that does not say it.")]
AcquiredOpt = Annotated[str | None, _opt("--acquired", help="Acquisition time, ISO 8601 (UTC if no zone).")]
SensorOpt = Annotated[str | None, _opt("--sensor", help="Sensor or satellite name.")]
CenterOpt = Annotated[str | None, _opt("--center", help="Register a plain image: its centre LAT,LON.")]
RotationOpt = Annotated[float, _opt("--rotation-deg", help="Image up direction, degrees clockwise from north.")]
CrsOpt = Annotated[str | None, _opt("--crs", help="CRS of a world file beside the image (e.g. EPSG:32635).")]
GcpsOpt = Annotated[Path | None, _opt("--gcps", help="CSV col,row,lon,lat with ≥ 3 ground control points.")]
GcpToleranceOpt = Annotated[float, _opt("--gcp-tolerance-m", help="Refuse GCP fits with a larger residual.")]
DemoImageryOpt = Annotated[Path | None, _opt("--imagery", help="Register and scan these images instead of the synthetic.")]

# ---- models and detection
ModelOpt = Annotated[str | None, _opt("--model", help="Bundled model name or model file (default: aircraft).")]
ModelsOpt = Annotated[list[str] | None, _opt("--model", help=_MODELS)]
ThresholdOpt = Annotated[float | None, _opt("--threshold", help="Score threshold (default: the model's operating one).")]
GeojsonOutOpt = Annotated[Path | None, _opt("--geojson", help="Write detections as GeoJSON (lon/lat when georeferenced).")]
AnnotatedOutOpt = Annotated[Path | None, _opt("--annotated", help="Write a PNG with the boxes drawn.")]

# ---- labelled datasets, evaluation and training
DatasetArg = Annotated[Path, _arg(help="Dataset folder or annotation file.")]
DatasetFormatOpt = Annotated[str, _opt("--format", help="airbus | coco | dota | voc | yolo")]
ClassMapOpt = Annotated[list[str] | None, _opt("--class-map", help="Rename a class: FROM=TO (repeatable; TO '-' drops it).")]
ClassesOpt = Annotated[str | None, _opt("--classes", help="Comma-separated classes to learn (others are an error).")]
ImagesDirOpt = Annotated[
    Path | None,
    _opt("--images", help="Folder of the labelled images, when the labels file is kept apart from them (airbus, coco, voc)."),
]
SplitOpt = Annotated[Path | None, _opt("--split", help="JSON split file: 'train', 'val' and 'holdout' lists of images.")]
SplitKeyOpt = Annotated[str, _opt("--split-key", help="Which list of --split (train, val, holdout).")]
ValOpt = Annotated[Path | None, _opt("--val", help="A separate labelled dataset (same format) that sets the threshold.")]
SeedOpt = Annotated[int, _opt("--seed", help="Random seed (the same seed gives the same result).")]
DegradeGsdOpt = Annotated[float | None, _opt("--degrade-to-gsd-m", help="First resample the images to this coarser GSD.")]
StatedGsdOpt = Annotated[float | None, _opt("--stated-gsd-m", help="Tell the detector this GSD instead of the true one.")]
FormatOutOpt = Annotated[str, _opt("--format-out", help="table | json")]
RecordOpt = Annotated[str | None, _opt("--record", help=_RECORD)]
TrainOutOpt = Annotated[Path, _opt("--out", help="Folder for checkpoints, logs and model.onnx.")]
BatchSizeOpt = Annotated[int, _opt("--batch-size", help="Crops per step.")]
CropOpt = Annotated[int, _opt("--crop-px", help="Crop side at the model GSD.")]
MilitaryOpt = Annotated[float, _opt("--military", help=_MILITARY)]
MaxSourceGsdOpt = Annotated[float, _opt("--max-source-gsd-m", help=_MAX_SOURCE)]
LicenceOpt = Annotated[str, _opt("--licence", help="Licence of the training data (carried by the weights).")]
NoResumeOpt = Annotated[bool, _opt("--no-resume", help="Start afresh even if a checkpoint exists.")]
BackgroundsArg = Annotated[Path, _arg(help="Folder of real images, or a labelled dataset (see --format).")]
SynthOutOpt = Annotated[Path, _opt("--out", help="Folder for the DOTA dataset (images/, labelTxt/).")]
SynthFormatOpt = Annotated[str | None, _opt("--format", help=_SYNTH_FORMAT)]
ScenesOpt = Annotated[int, _opt("--scenes", help="How many scenes to render.")]
ScenePxOpt = Annotated[int, _opt("--scene-px", help="Scene side in background pixels.")]

# ---- outputs
OutFileOpt = Annotated[Path, _opt("--out", help="The file to write.")]
OutDirOpt = Annotated[Path, _opt("--out", help="The folder to write into.")]

# ---- fine-tuning (train --init), and the train options whose default depends on it
InitOpt = Annotated[str | None, _opt("--init", help="Fine-tune this model (a bundled name: vehicle, tent, aircraft; or a ForceWatch .onnx); keeps its classes, GSD, normalisation and tiling.")]
MinutesOpt = Annotated[float | None, _opt("--minutes", help="Time budget of a whole fine-tune, its cross-validation runs included (default 10 minutes); each run stops at its share or at --iterations, whichever first.")]
TrainTargetGsdOpt = Annotated[float | None, _opt("--target-gsd-m", help="The model's canonical GSD: every image is resampled to it (default 1.0; with --init, the init model's).")]
TrainIterationsOpt = Annotated[int | None, _opt("--iterations", help="Optimiser steps (default 3000; with --init 1500, or fewer when --minutes runs out).")]
TrainWidthOpt = Annotated[int | None, _opt("--width", help="Network width (channels at stride 4); smaller is faster (default 32; with --init, the init model's).")]
TrainMaxObjectOpt = Annotated[float | None, _opt("--max-object-m", help="Largest object in metres: sets the tile overlap (default 120; with --init, the init model's overlap).")]
TeacherOpt = Annotated[str | None, _opt("--teacher", help="Distil: the new net also learns this model's heat-maps (a bundled name or a ForceWatch .onnx of the same classes and GSD), e.g. a narrower, faster copy of it.")]
TrainNameOpt = Annotated[str | None, _opt("--name", help="Model id written into the ONNX metadata (default: detector; with --init, INIT-ft-DATA).")]
# fmt: on
