"""Where results live: a small repository interface with a GeoPackage backend (default)."""

from forcewatch.store.base import Store, StoredDetection
from forcewatch.store.gpkg import GeoPackageStore, open_store

__all__ = ["GeoPackageStore", "Store", "StoredDetection", "open_store"]
