"""The dashboard's FastAPI app: login and sessions, CSRF on every write, roles, JSON API and pages.

Every path parameter is an integer id (anything else: 404); without a session the API answers 401
and pages redirect to the login; errors are plain pages without a traceback."""

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from forcewatch.app.workspace import open_folder, store_url
from forcewatch.errors import InputError
from forcewatch.serve import briefs, data, routes, tiles
from forcewatch.serve.accounts import check_password
from forcewatch.serve.basemaps import Basemap
from forcewatch.serve.deps import WRITERS, Checked, NotSignedIn, StoreDep, Who, Writer, parse_id, site_or_404
from forcewatch.serve.doc_cache import DocCache, store_version
from forcewatch.serve.security import COOKIE, LoginLimit, Session, Sessions
from forcewatch.serve.store_pool import workspace_pool
from forcewatch.store.base import User

HERE = Path(__file__).resolve().parent
log = logging.getLogger("forcewatch.serve")


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdict: Literal["accept", "reject"]


class DrawnLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    class_name: str = Field(alias="class", min_length=1, max_length=64)
    box: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def create_app(workspace_folder: Path, basemaps: Sequence[Basemap] = ()) -> FastAPI:
    """The dashboard over the workspace in ``workspace_folder`` (GeoPackage or PostGIS), with
    ``basemaps`` (``forcewatch serve --basemap``) beside the bundled borders."""
    folder = workspace_folder.resolve()
    url = store_url(folder)
    open_folder(folder, url).close()  # fail now (with a "Fix:") if it is not a workspace
    sessions = Sessions()
    limit = LoginLimit()
    templates = Jinja2Templates(directory=HERE / "templates")
    app = FastAPI(title="ForceWatch", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sessions, app.state.login_limit = sessions, limit
    app.state.folder, app.state.store_url, app.state.basemaps = folder, url, tuple(basemaps)
    app.state.stores = workspace_pool(folder, url)  # open stores, reused between requests
    docs = DocCache(store_version(folder, url))  # timelines and detections, per version of the store
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "sign in first"}, 401)
        return RedirectResponse("/login", 303)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, exc.status_code)
        return _plain(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": errors}, 422)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        return JSONResponse({"detail": str(exc)}, 422)

    @app.exception_handler(Exception)
    async def _error(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
        return _plain(500, "Something went wrong; the server log names the error.")

    # ---- login
    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        return templates.TemplateResponse(request, "login.html", {"error": None})

    @app.post("/login")
    def login(
        request: Request, store: StoreDep, name: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        client = request.client.host if request.client else "?"
        keys = (f"client:{client}", f"name:{name}")
        if limit.blocked(*keys):
            return templates.TemplateResponse(
                request, "login.html", {"error": "Too many failed logins: wait a few minutes."}, status_code=429
            )
        user = check_password(store, name, password)
        if user is None:
            limit.failed(*keys)
            return templates.TemplateResponse(
                request, "login.html", {"error": "Wrong name or password."}, status_code=401
            )
        token, _ = sessions.start(user.name)
        response = RedirectResponse("/", 303)
        secure = request.url.scheme == "https"
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
        return response

    @app.post("/logout")
    def logout(request: Request, who: Checked) -> Response:
        sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/login", 303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # ---- pages
    @app.get("/", response_class=HTMLResponse)
    def map_page(request: Request, who: Who) -> Response:
        return templates.TemplateResponse(request, "map.html", _page(who))

    @app.get("/sites/{site}", response_class=HTMLResponse)
    def site_page(request: Request, who: Who, store: StoreDep, site: str) -> Response:
        site_id = parse_id(site)
        site_or_404(store, site_id)
        return templates.TemplateResponse(request, "site.html", _page(who) | {"site_id": site_id})

    # ---- JSON API
    @app.get("/api/me")
    def me(who: Who) -> dict[str, Any]:
        return {"name": who[0].name, "role": who[0].role, "csrf": who[1].csrf}

    @app.get("/api/sites")
    def api_sites(who: Who, store: StoreDep, line: Annotated[str | None, Query(max_length=64)] = None) -> Any:
        return data.sites(store, briefs.line_code(line) if line else None)

    @app.get("/api/sites/{site}")
    def api_site(who: Who, store: StoreDep, site: str) -> Response:
        site_id = parse_id(site)
        site_or_404(store, site_id)
        return docs.response(("timeline", site_id), lambda: data.site_timeline(store, site_id))

    @app.get("/api/sites/{site}/detections")
    def api_detections(who: Who, store: StoreDep, site: str, scene: str | None = None) -> Response:
        site_id = parse_id(site)
        site_or_404(store, site_id)
        scene_id = parse_id(scene) if scene is not None else None
        return docs.response(("detections", site_id, scene_id), lambda: data.detections(store, site_id, scene_id))

    @app.post("/api/detections/{detection}/review")
    def api_review(user: Writer, store: StoreDep, detection: str, body: Review) -> dict[str, Any]:
        detection_id = parse_id(detection)
        try:
            label = data.review(store, detection_id, body.verdict, user.name)
        except LookupError:
            raise HTTPException(404, "not found") from None
        return data.label_json(label)

    @app.post("/api/scenes/{scene}/labels")
    def api_label(user: Writer, store: StoreDep, scene: str, body: DrawnLabel) -> dict[str, Any]:
        scene_id = parse_id(scene)
        try:
            store.scene_by_id(scene_id)
        except InputError:
            raise HTTPException(404, "not found") from None
        return data.label_json(data.add_label(store, scene_id, body.class_name, body.box, user.name))

    @app.get("/api/scenes/{scene}/tiles/{z}/{x}/{y}.png")
    def api_tile(request: Request, who: Who, store: StoreDep, scene: str, z: str, x: str, y: str) -> Response:
        zxy = parse_id(z), parse_id(x), parse_id(y)
        if not tiles.valid_tile(*zxy):
            raise HTTPException(404, "not found")
        try:
            found = store.scene_by_id(parse_id(scene))
        except InputError:
            raise HTTPException(404, "not found") from None
        return tiles.tile_response(found, *zxy, request.headers.get("if-none-match"))

    @app.get("/api/scenes/{scene}/labels")
    def api_labels(who: Who, store: StoreDep, scene: str, geojson: bool = False) -> Any:
        """The labels of a scene: a list, or (``?geojson=true``) a FeatureCollection for the map."""
        labels = store.labels(scene_id=parse_id(scene))
        if geojson:
            return {"type": "FeatureCollection", "features": [data.label_feature(lab) for lab in labels]}
        return [data.label_json(lab) for lab in labels]

    @app.get("/api/alerts")
    def api_alerts(who: Who, store: StoreDep) -> list[dict[str, Any]]:
        return data.alerts(store)

    @app.get("/api/borders")
    def api_borders(who: Who) -> dict[str, Any]:
        return data.borders_geojson()

    app.include_router(routes.router)
    return app


def _page(who: tuple[User, Session]) -> dict[str, Any]:
    user, session = who
    return {"user": user.name, "role": user.role, "csrf": session.csrf, "can_write": user.role in WRITERS}


def _plain(status: int, message: str) -> HTMLResponse:
    from html import escape

    body = f"<!doctype html><title>ForceWatch: {status}</title><h1>{status}</h1><p>{escape(message)}</p>"
    return HTMLResponse(body, status)
