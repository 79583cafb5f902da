"""``forcewatch model add | list | remove``: the workspace's own detectors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forcewatch.cli.common import console, new_table, print_json
from forcewatch.cli.options import (
    DatasetArg,
    DatasetFormatOpt,
    ImageGsdOpt,
    JsonOpt,
    ModelFileArg,
    ModelNameArg,
    ModelNameOpt,
    ModelOpt,
    ModelSitesOpt,
    SplitOpt,
    WorkspaceOpt,
)

model_app = typer.Typer(help="The workspace's own detectors (fine-tuned on its labels).", no_args_is_help=True)


@model_app.command("add")
def add_cmd(file: ModelFileArg, name: ModelNameOpt, site: ModelSitesOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Copy a ForceWatch model into the workspace under NAME; --site adds it to those sites' models."""
    from forcewatch.app.models import add_model
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        added = add_model(store, file, name, site or [])
    e = added.entry
    console.print(f"added model {e.name!r}: {e.model_id}, classes {', '.join(e.classes)}, {e.gsd_m:g} m GSD")
    for s in added.sites:
        console.print(f"site {s!r} now runs it")


@model_app.command("list")
def list_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The bundled models and the workspace's, with their classes, GSD, sites and scores."""
    from forcewatch.app.models import list_models
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        entries, bundled = list_models(store)
    if as_json:
        print_json({"bundled": sorted(bundled), "workspace": [e.__dict__ | {"scores": e.scores} for e in entries]})
        return
    table = new_table("Models", ("name", "source", "model id", "classes", "GSD m", "sites", "sha256"))
    for n in sorted(bundled):
        table.add_row(n, "bundled", "", "", "", "by site kind", "")
    for e in entries:
        table.add_row(
            e.name, e.path, e.model_id, ", ".join(e.classes), f"{e.gsd_m:g}", ", ".join(e.sites), e.sha256[:12]
        )
    console.print(table)


@model_app.command("remove")
def remove_cmd(name: ModelNameArg, workspace: WorkspaceOpt = None) -> None:
    """Unregister a workspace model (its copy is deleted; sites stop running it)."""
    from forcewatch.app.models import remove_model
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        remove_model(store, name)
    console.print(f"removed model {name!r}")


ChipsOpt = Annotated[int, typer.Option("--chips", help="Chips of the data to calibrate the INT8 ranges on.")]
QuantOutOpt = Annotated[Path, typer.Option("--out", help="The INT8 model file to write (.onnx).")]
CalibrationSplitKeyOpt = Annotated[
    str, typer.Option("--split-key", help="Which list of --split to calibrate on (never the hold-out you score on).")
]


@model_app.command("quantize")
def quantize_cmd(
    data: DatasetArg,
    fmt: DatasetFormatOpt,
    out: QuantOutOpt,
    model: ModelOpt = None,
    gsd_m: ImageGsdOpt = None,
    split: SplitOpt = None,
    split_key: CalibrationSplitKeyOpt = "train",
    chips: ChipsOpt = 24,
    as_json: JsonOpt = False,
) -> None:
    """An INT8 copy of a model, calibrated on real imagery at its GSD: faster on CPUs with VNNI.
    Score it (`forcewatch evaluate --model OUT --record holdout`) before its counts validate."""
    from forcewatch.app.quantize import quantize

    with console.status("calibrating and quantising"):
        q = quantize(model, data, fmt, out, gsd_m=gsd_m, split=split, split_key=split_key, chips=chips)
    if as_json:
        print_json(q.to_json())
        return
    doc = q.to_json()
    console.print(
        f"wrote {q.path}: {q.meta.model_id}, calibrated on {q.chips} chips of {q.chip_images} images; "
        f"{doc['ms_per_tile_fp32']} → {doc['ms_per_tile_int8']} ms a {q.meta.tile_px} px tile "
        f"({doc['speed_up']}× here). Not validated: score it with "
        f"`forcewatch evaluate DATA --format F --model {q.path} --record holdout`."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
