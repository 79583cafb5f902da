"""Connecting to a PostgreSQL + PostGIS store: URLs (never shown with their password), errors that
name the server and say what to do, PostGIS's ``geometry`` type read and written as shapely
geometries (EWKB, EPSG:4326)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import shapely
from shapely.geometry.base import BaseGeometry

from forcewatch.errors import InputError, MissingExtraError, StoreError

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql://", "postgres://")
#: How long a connection attempt waits for the server (seconds), unless the URL says (connect_timeout).
CONNECT_TIMEOUT_S = 10
#: The server drops a connection whose client went silent (a dead machine) after about
#: idle + interval × count seconds, and with it that client's claims.
_KEEPALIVES = {"tcp_keepalives_idle": "60", "tcp_keepalives_interval": "10", "tcp_keepalives_count": "6"}
_PASSWORD_FIX = (
    "Fix: give the URL without its password, and the password in PGPASSWORD or ~/.pgpass "
    "(https://www.postgresql.org/docs/current/libpq-pgpass.html)."
)


def now() -> str:
    """The time now, as the stores record it (ISO 8601, UTC, whole seconds)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_url(text: str) -> bool:
    """Whether ``text`` names a PostgreSQL database (``postgresql://…`` or ``postgres://…``)."""
    return text.startswith(SCHEMES)


def redact(url: str) -> str:
    """``url`` with its password (in the user part or the query) replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{host}"
    query = "&".join(
        "password=***" if item.split("=", 1)[0] == "password" else item for item in parts.query.split("&") if item
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _params(url: str) -> dict[str, Any]:
    from psycopg.conninfo import conninfo_to_dict

    if not is_url(url):
        raise InputError(
            f"{redact(url)!r} is not a PostgreSQL URL. Fix: write it as postgresql://USER@HOST:PORT/DATABASE."
        )
    try:
        return conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError: libpq could not parse it
        raise InputError(
            f"{redact(url)}: not a valid PostgreSQL URL ({_first_line(exc)}). "
            "Fix: write it as postgresql://USER@HOST:PORT/DATABASE."
        ) from None


def has_password(url: str) -> bool:
    """Whether the URL carries a password (which must never be written to a file)."""
    return "password" in _params(url)


def refuse_password(url: str, where: str) -> None:
    """Refuse to record a URL with a password in ``where`` (a file)."""
    if has_password(url):
        raise InputError(f"{redact(url)}: will not write a password into {where}. {_PASSWORD_FIX}")


def database(url: str) -> str:
    """The database a URL names (libpq's default: the user name)."""
    params = _params(url)
    return str(params.get("dbname") or params.get("user") or "(your user name)")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    """An autocommit connection (transactions are explicit) with rows as dicts; an error that names
    the server (never its password) and says what to check when it cannot be reached."""
    try:
        import psycopg
        from psycopg.rows import dict_row
    except ImportError:
        raise MissingExtraError("psycopg", None, "A PostGIS store") from None

    params = _params(url)
    params.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    params.setdefault("application_name", "forcewatch")
    try:
        con = psycopg.connect(autocommit=True, row_factory=dict_row, **params)
    except psycopg.OperationalError as exc:
        raise StoreError(
            f"{redact(url)}: cannot connect to the PostgreSQL server ({_first_line(exc)}). Fix: check that the "
            f"server runs and accepts connections, that host, port, user and database {database(url)!r} in the "
            "URL are right (createdb makes the database), and give a password in PGPASSWORD or ~/.pgpass."
        ) from None
    try:
        for name, value in _KEEPALIVES.items():
            con.execute("SELECT set_config(%s, %s, false)", (name, value))
    except BaseException:
        con.close()
        raise
    return con


def ensure_postgis(con: psycopg.Connection[Any], url: str) -> None:
    """``CREATE EXTENSION IF NOT EXISTS postgis``, with what to do when the server lacks it or the
    user may not create it."""
    import psycopg

    try:
        con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StoreError(
            f"{redact(url)}: may not create the PostGIS extension ({_first_line(exc)}). Fix: have a superuser "
            f"run `CREATE EXTENSION postgis;` in database {database(url)!r} once, then run this again."
        ) from None
    except psycopg.Error as exc:
        raise StoreError(
            f"{redact(url)}: PostGIS is not available on this server ({_first_line(exc)}). Fix: install PostGIS "
            "on the database server (Debian: apt-get install postgresql-15-postgis-3), then run this again."
        ) from None


def register_geometry(con: psycopg.Connection[Any]) -> bool:
    """Read and write PostGIS ``geometry`` values as shapely geometries on this connection; False
    when the database has no PostGIS."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(con, "geometry")
    if info is None:
        return False
    geometry_oid = info.oid

    class GeometryLoader(Loader):
        def load(self, data: Any) -> BaseGeometry:
            return shapely.from_wkb(bytes(data).decode("ascii"))  # hex EWKB

    class GeometryDumper(Dumper):
        oid = geometry_oid

        def dump(self, obj: Any) -> bytes:
            return shapely.to_wkb(shapely.set_srid(obj, 4326), hex=True, include_srid=True).encode("ascii")

    con.adapters.register_loader(info.oid, GeometryLoader)
    con.adapters.register_dumper(BaseGeometry, GeometryDumper)
    return True
