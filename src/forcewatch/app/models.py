"""The detectors a workspace runs: the bundled ones, the workspace's own (fine-tuned on its labels,
registered with ``forcewatch model add``), and which of them each site runs (its own list, else
the defaults of its kind)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forcewatch.detect import registry
from forcewatch.detect.base import Detector
from forcewatch.detect.registry import bundled_models, load_detector
from forcewatch.errors import InputError
from forcewatch.model import KIND_MODELS, ModelEntry, Site
from forcewatch.store.base import Store

MODELS_FOLDER = "models"


def site_model_names(site: Site) -> tuple[str, ...]:
    """The models a scan runs on ``site``: its own list, else its kind's defaults, else every bundled model."""
    if site.models is not None:
        return site.models
    return KIND_MODELS.get(site.kind, tuple(bundled_models()))


def known_model_names(store: Store) -> list[str]:
    """Every name a site may list: the bundled models and the workspace's."""
    return [*bundled_models(), *(m.name for m in store.models())]


def resolve_model(store: Store, name: str) -> str:
    """What :func:`~forcewatch.detect.registry.load_detector` loads for a name: a workspace model's
    file under the workspace, a bundled model's name, or a file; an unknown name is a clear error."""
    for entry in store.models():
        if entry.name == name:
            return str(store.folder / entry.path)
    if name in bundled_models() or Path(name).suffix:
        return name
    raise InputError(
        f"no model named {name!r}. Fix: use one of {', '.join(known_model_names(store))}, "
        "or add yours with `forcewatch model add FILE --name NAME`."
    )


def resolve_detector(store: Store, name: str) -> Detector:
    """A detector by name: a workspace model (its file under the workspace), a bundled model, or a file."""
    return load_detector(resolve_model(store, name))


def model_file_sha256(store: Store, name: str) -> str:
    """The SHA-256 of a model's file (what observations record), without loading the model."""
    return registry.model_file_sha256(resolve_model(store, name))


def check_model_names(store: Store, names: Sequence[str]) -> tuple[str, ...]:
    """``names`` if each is a bundled or workspace model, else an error listing the known ones."""
    known = known_model_names(store)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(
            f"unknown model(s) {', '.join(map(repr, unknown))}. Fix: use one of {', '.join(known)} "
            "(`forcewatch model list`), or add yours with `forcewatch model add FILE --name NAME`."
        )
    return tuple(names)


@dataclass(frozen=True)
class ModelAdded:
    entry: ModelEntry
    sites: tuple[str, ...]  # the sites that now run it


def add_model(store: Store, path: Path, name: str, sites: Sequence[str] = ()) -> ModelAdded:
    """Copy a ForceWatch model file (and its MODEL.md card) into the workspace, register it under
    ``name``, and add it to the models of ``sites`` (each keeps its other models)."""
    if not name or "/" in name or name in bundled_models():
        raise InputError(
            f"--name {name!r}: choose a new name without '/' (not one of the bundled models: "
            f"{', '.join(bundled_models())})."
        )
    detector = load_detector(str(path))  # a clear error for a file that is not a ForceWatch model
    for s in sites:
        store.site(s)  # a clear error for an unknown site
    target = Path(MODELS_FOLDER) / f"{name}.onnx"
    entry = ModelEntry(
        name,
        str(target),
        detector.sha256,
        detector.model_id,
        detector.meta.classes,
        detector.meta.gsd_m,
        detector.meta.sees_to_gsd_m,
        detector.meta.scores,
        tuple(sites),
    )
    with store.transaction():
        added = store.add_model(entry)
        for s in sites:
            site = store.site(s)
            store.set_site_models(s, (*[m for m in site_model_names(site) if m != name], name))
        (store.folder / MODELS_FOLDER).mkdir(exist_ok=True)
        shutil.copyfile(path, store.folder / target)  # last: a failure above leaves no file behind
        card = path.with_name("MODEL.md")
        if card.is_file():
            shutil.copyfile(card, store.folder / MODELS_FOLDER / f"{name}.md")
        store.log("model add", f"{name}: {detector.model_id} sha256 {detector.sha256[:12]} for {list(sites)}")
    return ModelAdded(added, tuple(sites))


def list_models(store: Store) -> tuple[list[ModelEntry], dict[str, Path]]:
    """The workspace's models, and the bundled ones (name → file)."""
    return store.models(), bundled_models()


def remove_model(store: Store, name: str) -> ModelEntry:
    """Unregister a workspace model, delete its copy, and take it off every site's list."""
    with store.transaction():
        entry = store.remove_model(name)
        for site in store.sites():
            if site.models is not None and name in site.models:
                store.set_site_models(site.name, tuple(m for m in site.models if m != name))
        store.log("model remove", name)
    for f in (store.folder / entry.path, (store.folder / entry.path).with_suffix(".md")):
        f.unlink(missing_ok=True)
    return entry


def set_site_models(store: Store, site_name: str, names: Sequence[str] | None) -> Site:
    """Choose the models a site runs (None: back to its kind's defaults)."""
    checked = check_model_names(store, names) if names is not None else None
    with store.transaction():
        site = store.set_site_models(site_name, checked)
        store.log("site set", f"{site_name}: models {list(checked) if checked is not None else 'by kind'}")
    return site
