"""The dashboard's request dependencies: the workspace's store, who is signed in, the CSRF check and
the writer's role; and ids in paths. They read what :func:`forcewatch.serve.app.create_app` put in
``app.state`` (the workspace folder and store URL, the sessions, the basemaps)."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from forcewatch.errors import InputError
from forcewatch.serve.security import COOKIE, Session, csrf_ok
from forcewatch.store.base import Store, User

WRITERS = ("analyst", "admin")


class NotSignedIn(Exception):
    pass


def parse_id(value: str) -> int:
    """A path parameter as an id: digits only (a file path, '..' or anything else is 404)."""
    if not value.isdigit() or len(value) > 18:
        raise HTTPException(404, "not found")
    return int(value)


def get_store(request: Request) -> Iterator[Store]:
    with request.app.state.stores.borrow() as store:
        yield store


StoreDep = Annotated[Store, Depends(get_store)]


def signed_in(request: Request, store: StoreDep) -> tuple[User, Session]:
    session = request.app.state.sessions.get(request.cookies.get(COOKIE))
    user = store.user(session.name) if session is not None else None
    if session is None or user is None:  # no session, or the account was removed
        raise NotSignedIn
    return user, session


Who = Annotated[tuple[User, Session], Depends(signed_in)]


async def csrf_checked(request: Request, who: Who) -> tuple[User, Session]:
    """The signed-in user, when the request carries the session's CSRF token (header or form field)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        sent = str((await request.form()).get("csrf", ""))
    if not csrf_ok(who[1], sent):
        raise HTTPException(403, "missing or wrong CSRF token")
    return who


Checked = Annotated[tuple[User, Session], Depends(csrf_checked)]


def writer(who: Checked) -> User:
    if who[0].role not in WRITERS:
        raise HTTPException(403, f"a {who[0].role} cannot change the workspace")
    return who[0]


Writer = Annotated[User, Depends(writer)]


def site_or_404(store: Store, site_id: int) -> None:
    if not any(s.id == site_id for s in store.sites()):
        raise HTTPException(404, "not found")


def site_id_of(store: Store, site: str) -> int:
    """The id of a site in a path (404: not an id, or no such site)."""
    site_id = parse_id(site)
    site_or_404(store, site_id)
    return site_id


def scene_id_of(store: Store, scene: str | None) -> int | None:
    """The id of a scene in a path or query (None when absent; 404: not an id, or no such scene)."""
    if scene is None:
        return None
    scene_id = parse_id(scene)
    try:
        store.scene_by_id(scene_id)
    except InputError:
        raise HTTPException(404, "not found") from None
    return scene_id
