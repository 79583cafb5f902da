"""The dashboard's routes beyond sessions and review: overlays of a site (camps, new activity, labels),
the border line and distances, basemaps, the brief as a download, and "train on my labels".

Included by :func:`forcewatch.serve.app.create_app`. Every route takes the dependencies of
:mod:`forcewatch.serve.deps` (a session for reads, a writer with the CSRF token for writes), so the
rules of the app hold here too: 401 without a session, 403 for a viewer's write or a missing token,
ids only in paths (404 otherwise), 422 for a malformed body."""

# no `from __future__ import annotations`: FastAPI reads the dependencies from the annotations
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from forcewatch.serve import briefs, data, jobs
from forcewatch.serve.basemaps import Basemap, local_tile, page_json
from forcewatch.serve.deps import StoreDep, Who, Writer, parse_id, scene_id_of, site_id_of
from forcewatch.store.base import Store

#: A fine-tune started from the dashboard may run this long at most (minutes, the whole run).
MAX_TRAIN_MINUTES = 240.0


class TrainStart(BaseModel):
    """POST /api/train: fine-tune ``init`` on the labels of site ``site`` (an id)."""

    model_config = ConfigDict(extra="forbid")
    site: int = Field(ge=1)
    init: str = Field(min_length=1, max_length=128)
    minutes: float | None = Field(default=None, gt=0, le=MAX_TRAIN_MINUTES)
    iterations: int | None = Field(default=None, ge=1, le=100_000)
    batch_size: int = Field(default=16, ge=1, le=64)
    crop_px: int = Field(default=256, ge=32, le=1024)
    cv_folds: int | None = Field(default=None, ge=0, le=10)

    @field_validator("cv_folds")
    @classmethod
    def _folds(cls, value: int | None) -> int | None:
        if value == 1:
            raise ValueError("cv_folds is 0 (no held-out score) or 2-10")
        return value

    @field_validator("minutes")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("minutes must be a number")
        return value


router = APIRouter()
LineQuery = Annotated[str, Query(max_length=64)]
DateQuery = Annotated[str | None, Query(alias="from", max_length=10)]
ToQuery = Annotated[str | None, Query(alias="to", max_length=10)]


# ---- reads
@router.get("/api/sites/{site}/overlays")
def api_overlays(who: Who, store: StoreDep, site: str, scene: str | None = None) -> dict[str, Any]:
    site_id = site_id_of(store, site)
    return data.overlays(store, site_id, scene_id_of(store, scene))


@router.get("/api/sites/{site}/labels")
def api_site_labels(who: Who, store: StoreDep, site: str) -> dict[str, Any]:
    return data.site_labels(store, site_id_of(store, site))


@router.get("/api/border-line")
def api_border_line(who: Who, line: LineQuery = "UKR") -> dict[str, Any]:
    return data.border_line_geojson(briefs.line_code(line))


@router.get("/api/models")
def api_models(who: Who, store: StoreDep) -> list[dict[str, Any]]:
    return data.model_choices(store)


@router.get("/api/basemaps")
def api_basemaps(request: Request, who: Who) -> list[dict[str, object]]:
    return page_json(list(request.app.state.basemaps))


def _basemap(request: Request, number: str) -> Basemap:
    basemaps: tuple[Basemap, ...] = request.app.state.basemaps
    n = parse_id(number)
    if n >= len(basemaps):
        raise HTTPException(404, "not found")
    return basemaps[n]


def _folder(request: Request) -> Path:
    folder: Path = request.app.state.folder
    return folder


@router.get("/api/basemaps/{number}/archive.pmtiles")
def api_pmtiles(request: Request, who: Who, number: str) -> Response:
    b = _basemap(request, number)
    if b.kind != "pmtiles" or b.path is None:
        raise HTTPException(404, "not found")
    return FileResponse(b.path, media_type="application/octet-stream", headers={"Cache-Control": "private"})


@router.get("/api/basemaps/{number}/{z}/{x}/{tile}")
def api_basemap_tile(request: Request, who: Who, number: str, z: str, x: str, tile: str) -> Response:
    b = _basemap(request, number)
    y, dot, suffix = tile.partition(".")
    if not dot or b.path is None or f".{suffix.lower()}" != b.path.suffix.lower():
        raise HTTPException(404, "not found")
    found = local_tile(b, parse_id(z), parse_id(x), parse_id(y))
    if found is None:
        raise HTTPException(404, "not found")
    return FileResponse(found[0], media_type=found[1], headers={"Cache-Control": "private, max-age=3600"})


# ---- the brief
@dataclass
class BriefOptions:
    """The query of a brief download: the border line, the dates, and whether candidates count."""

    line: LineQuery = "UKR"
    date_from: DateQuery = None
    date_to: ToQuery = None
    include_unvalidated: bool = False


BriefQuery = Annotated[BriefOptions, Depends()]


def _brief(store: Store, site_name: str | None, q: BriefOptions) -> Response:
    got = briefs.brief_download(
        store,
        site_name,
        line=q.line,
        date_from=q.date_from,
        date_to=q.date_to,
        include_unvalidated=q.include_unvalidated,
    )
    headers = {"Content-Disposition": f'attachment; filename="{got.filename}"', "Cache-Control": "no-store"}
    return Response(got.body, media_type=got.media_type, headers=headers)


@router.get("/api/brief")
def api_brief(who: Who, store: StoreDep, q: BriefQuery) -> Response:
    return _brief(store, None, q)


@router.get("/api/sites/{site}/brief")
def api_site_brief(who: Who, store: StoreDep, site: str, q: BriefQuery) -> Response:
    return _brief(store, store.site_by_id(site_id_of(store, site)).name, q)


# ---- train on my labels
@router.get("/api/train")
def api_train_status(request: Request, who: Who) -> dict[str, Any]:
    missing = jobs.torch_missing()
    return {"available": missing is None, "why": missing, "job": jobs.status(_folder(request))}


@router.post("/api/train", status_code=202)
def api_train_start(request: Request, user: Writer, store: StoreDep, body: TrainStart) -> Response:
    missing = jobs.torch_missing()
    if missing is not None:
        return JSONResponse({"detail": missing}, 503)
    site = next((s for s in store.sites() if s.id == body.site), None)
    if site is None:
        raise HTTPException(422, f"no site with id {body.site}. Fix: start it from a site's page.")
    choices = {m["name"]: m for m in data.model_choices(store)}
    if body.init not in choices:
        raise HTTPException(422, f"no model named {body.init!r}. Fix: use one of {', '.join(choices)}.")
    classes = tuple(choices[body.init]["classes"])
    counts = data.site_labels(store, body.site)["counts"]
    objects = sum(n for c in classes for s, n in counts.get(c, {}).items() if s in ("accepted", "added"))
    if not objects:
        raise HTTPException(
            422,
            f"{site.name} has no accepted or drawn {' or '.join(classes)} to learn from. Fix: accept the right "
            "detections (a) and draw the missed objects (d) first.",
        )
    from forcewatch.app.models import resolve_model

    job = jobs.TrainJob(
        site=site.name,
        init=resolve_model(store, body.init),
        init_name=body.init,
        classes=classes,
        who=user.name,
        **body.model_dump(exclude={"site", "init"}),  # minutes, iterations, batch_size, crop_px, cv_folds
    )
    try:
        doc = jobs.start(_folder(request), job)
    except jobs.Busy:
        running = jobs.status(_folder(request)) or {}
        raise HTTPException(
            409,
            f"a training run is going on (started by {running.get('who', '?')} at {running.get('started', '?')}"
            f" on {running.get('site', '?')}). Fix: wait for it, or stop it.",
        ) from None
    return JSONResponse(doc, 202)


@router.post("/api/train/stop")
def api_train_stop(request: Request, user: Writer) -> dict[str, Any]:
    try:
        return jobs.stop(_folder(request), user.name)
    except jobs.NotRunning:
        raise HTTPException(409, "no training run is going on") from None
