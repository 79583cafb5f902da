"""Copy every row of one store into another, GeoPackage or PostGIS either way, ids kept (so that
every reference between tables, and a label's detection, stays right), geometries exact: in one
transaction on the destination, from one consistent snapshot of the source."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from forcewatch.errors import StoreError
from forcewatch.store import gpkg_format as fmt
from forcewatch.store.base import Store
from forcewatch.store.gpkg import GeoPackageStore

if TYPE_CHECKING:
    from forcewatch.store.postgis import PostGISStore

#: Every table of a workspace, in an order that inserts what a row refers to before the row.
TABLES = (
    "sites",
    "scenes",
    "scene_sites",
    "observations",
    "detections",
    "comparisons",
    "change_objects",
    "activity",
    "camps",
    "alerts",
    "labels",
    "models",
    "forcewatch_log",
    "users",
)
#: Tables whose key is ``id`` (the others': ``fid``).
ID_KEYED = {"comparisons", "alerts", "models", "forcewatch_log", "users"}
#: Tables each store keeps for itself: never copied (the destination has its own schema version).
OWN_TABLES = {"forcewatch_schema", "spatial_ref_sys"}
_BATCH = 1000


def key(table: str) -> str:
    return "id" if table in ID_KEYED else "fid"


class Rows(Protocol):
    """Row I/O on one store's tables; geometry columns (``geom``) as shapely geometries."""

    where: str  # the store, for messages

    def tables(self) -> set[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def count(self, table: str) -> int: ...

    def snapshot(self) -> Any: ...  # a context manager: reads inside see one state of the store

    def read(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]: ...

    def write(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int: ...

    def finish(self) -> None: ...  # after the rows: sequences, extents


def _map_geometry(rows: Iterable[Any], columns: list[str], convert: Any) -> Iterator[tuple[Any, ...]]:
    """Rows with ``convert`` applied to their ``geom`` column."""
    at = columns.index("geom") if "geom" in columns else None
    for row in rows:
        yield tuple(row) if at is None else (*row[:at], convert(row[at]), *row[at + 1 :])


class GeoPackageRows:
    def __init__(self, store: GeoPackageStore) -> None:
        self.con = store.con
        self.where = str(store.path)

    def tables(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT table_name FROM gpkg_contents")}

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.con.execute(f'PRAGMA table_info("{table}")')]

    def count(self, table: str) -> int:
        return int(self.con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        self.con.execute("BEGIN")  # deferred: the first read takes a shared lock, held to the end
        try:
            yield
        finally:
            self.con.execute("COMMIT")

    def read(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        names = ", ".join(f'"{c}"' for c in columns)
        rows = self.con.execute(f'SELECT {names} FROM "{table}" ORDER BY "{key(table)}"')
        return _map_geometry(rows, columns, fmt.decode)

    def write(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        names = ", ".join(f'"{c}"' for c in columns)
        query = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        return self.con.executemany(query, _map_geometry(rows, columns, fmt.encode)).rowcount

    def finish(self) -> None:
        for (table,) in self.con.execute("SELECT table_name FROM gpkg_geometry_columns").fetchall():
            fmt.touch_contents(self.con, table)


class PostGISRows:
    def __init__(self, store: PostGISStore) -> None:
        self.store = store
        self.con = store.con
        self.where = store.url

    def tables(self) -> set[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'"
        )
        return {r["table_name"] for r in rows}

    def columns(self, table: str) -> list[str]:
        rows = self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        return [r["column_name"] for r in rows]

    def count(self, table: str) -> int:
        from psycopg import sql

        row = self.con.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))).fetchone()
        return int(row["n"]) if row else 0

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        with self.store.transaction():
            self.con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield

    def read(self, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
        from psycopg import sql
        from psycopg.rows import tuple_row

        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table), sql.Identifier(key(table))
        )
        with self.con.cursor(name=f"forcewatch_copy_{table}", row_factory=tuple_row) as cur:
            cur.itersize = _BATCH
            cur.execute(query)
            yield from cur

    def write(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        from psycopg import sql

        query = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        done = 0
        with self.con.cursor() as cur, cur.copy(query) as copy:
            for row in rows:
                copy.write_row(row)
                done += 1
        return done

    def finish(self) -> None:
        """Identity sequences continue after the ids copied."""
        from psycopg import sql

        for table in TABLES:
            k = sql.Identifier(key(table))
            self.con.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), coalesce((SELECT max({}) FROM {}), 0) + 1, false)"
                ).format(k, sql.Identifier(table)),
                (table, key(table)),
            )


def rows_of(store: Store) -> Rows:
    """Row I/O on a GeoPackage or PostGIS store."""
    if isinstance(store, GeoPackageStore):
        return GeoPackageRows(store)
    from forcewatch.store.postgis import PostGISStore

    if isinstance(store, PostGISStore):
        return PostGISRows(store)
    raise StoreError(f"cannot copy a {type(store).__name__}: only GeoPackage and PostGIS stores.")


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} rows in {t}" for t, n in counts.items() if n) or "nothing"


def check_copyable(src: Rows, dst: Rows) -> None:
    """Refuse a destination that holds data, and a source table or column the destination lacks
    (which a copy would lose)."""
    held = {t: dst.count(t) for t in TABLES if t in dst.tables()}
    if any(held.values()):
        raise StoreError(
            f"{dst.where} already holds data ({_summary(held)}): a copy would mix two workspaces. Fix: copy into "
            "a new workspace folder or an empty database (createdb NAME), or empty this one first. Nothing was "
            "written."
        )
    unknown = {t: src.count(t) for t in src.tables() - set(TABLES) - OWN_TABLES}
    if any(unknown.values()):
        raise StoreError(
            f"{src.where} has tables this ForceWatch does not know ({_summary(unknown)}): a copy would lose them. "
            "Fix: upgrade ForceWatch. Nothing was written."
        )
    for table in TABLES:
        missing = [c for c in src.columns(table) if c not in dst.columns(table)]
        if missing:
            raise StoreError(
                f"{dst.where} has no column {', '.join(missing)} in {table} (a store of an older schema): a copy "
                "would lose them. Fix: upgrade ForceWatch, open the destination once to upgrade it, then copy "
                "again. Nothing was written."
            )


def copy_store(src: Store, dst: Store) -> dict[str, int]:
    """Copy every row of ``src`` into the empty store ``dst``, ids kept; rows copied per table.
    All of it lands, or (on any error) none of it."""
    source, target = rows_of(src), rows_of(dst)
    copied: dict[str, int] = {}
    with dst.transaction():
        check_copyable(source, target)
        with source.snapshot():
            for table in TABLES:
                columns = source.columns(table)
                copied[table] = target.write(table, columns, source.read(table, columns))
        target.finish()
    return copied
