"""What the processes of the claim tests run (importable by name: they start with ``spawn``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from shapely.geometry import box

from forcewatch.model import Detection, Observation
from forcewatch.store.base import Store

#: A pair of a scan: (scene id, site id, acquired, model sha256).
Pair = tuple[int, int, str, str]


def open_kind(kind: str, where: str, folder: Path) -> Store:
    """Open an existing store: ``gpkg`` (``where`` is its file) or ``postgis`` (``where`` is its URL)."""
    if kind == "gpkg":
        from forcewatch.store.gpkg import open_store

        return open_store(Path(where))
    from forcewatch.store.postgis import open_postgis

    return open_postgis(where, folder)


def pair_key(pair: Pair) -> str:
    scene_id, site_id, _acquired, sha = pair
    return f"scene {scene_id} × site {site_id} × {sha}"


def scan(kind: str, where: str, folder: Path, pairs: list[Pair], hold_s: float, start: Any, results: Any) -> None:
    """As a scan process does: for each pair, claim it; scan it (hold it ``hold_s``) and record its
    observation only when claimed and not yet recorded. Reports (written, refused, skipped)."""
    written = refused = skipped = 0
    with open_kind(kind, where, folder) as store:  # type: ignore[attr-defined]
        start.wait()
        for pair in pairs:
            scene_id, site_id, acquired, sha = pair
            with store.claim(pair_key(pair)) as mine:
                if not mine:
                    refused += 1
                    continue
                if store.has_observation(site_id, scene_id, sha):
                    skipped += 1
                    continue
                time.sleep(hold_s)  # the detector at work
                det = Detection("aircraft", 0.9, (1, 2, 3, 4), 20, 18, "medium", sha, scene_id, box(0, 0, 1e-4, 1e-4))
                obs = Observation(site_id, scene_id, acquired, {"aircraft": 1}, 1.0, None, sha, sha, {}, "test")
                with store.transaction():
                    store.add_observation(obs, [det])
                written += 1
    results.put((written, refused, skipped))


def hold(kind: str, where: str, folder: Path, key: str, held: Any) -> None:
    """Claim ``key`` and hold it until killed."""
    with open_kind(kind, where, folder) as store, store.claim(key) as mine:  # type: ignore[attr-defined]
        assert mine
        held.set()
        time.sleep(300)
