"""The pending pairs of a scan, handed out one at a time, claimed, in an order several scan
processes can share.

A pair (model, scene, site) is *ready* when no larger-object model of the same scene × site is
still to be recorded: a "vehicle" that is part of an aircraft's wing is dropped only when the
aircraft is already stored, so the models of one scene × site run in order (larger objects first)
even when several processes (or Dask workers) scan the same store. A pair another process holds is
left to it, unless one of this scan's pairs waits for it: then it stays in the queue, and if its
holder dies before recording it, this scan claims and scans it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from forcewatch.detect.base import Detector
from forcewatch.model import Scene, Site
from forcewatch.store.base import Store

#: One unit of work: a model, a scene, a site.
Pair = tuple[Detector, Scene, Site]


def pair_key(detector: Detector, scene: Scene, site: Site) -> str:
    """The name of one unit of work, claimed while it is scanned: scene × site × model file."""
    return f"scan:{scene.id}:{site.id}:{detector.sha256}"


def _recorded(store: Store, pair: Pair) -> bool:
    det, scene, site = pair
    assert site.id is not None and scene.id is not None
    return store.has_observation(site.id, scene.id, det.sha256)


@dataclass
class Claimed:
    """A pair this process holds: scan it, record it, then ``release()`` (or use ``with``)."""

    index: int  # its place in the scan's work
    pair: Pair
    hold: contextlib.ExitStack[bool | None]

    def release(self) -> None:
        self.hold.close()

    def __enter__(self) -> Claimed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class PairQueue:
    """The pending pairs of a scan (in :func:`~forcewatch.app.scan.pending_work`'s order)."""

    def __init__(self, store: Store, work: Sequence[Pair]) -> None:
        self.store = store
        self.total = len(work)
        self.pending: dict[int, Pair] = dict(enumerate(work))  # in order
        self.taken: set[int] = set()  # handed out, not yet finished
        self.left = 0  # pairs recorded (here or elsewhere) or left to other processes
        self.places: dict[tuple[int | None, int | None], list[int]] = {}  # scene × site → its pairs
        for index, (_det, scene, site) in enumerate(work):
            self.places.setdefault((scene.id, site.id), []).append(index)

    def __bool__(self) -> bool:
        return bool(self.pending)

    def _same_place(self, pair: Pair, larger: bool) -> list[Pair]:
        """The pending pairs of the same scene × site whose model sees larger (else smaller) objects."""
        det, scene, site = pair
        see = det.meta.sees_to_gsd_m
        others = (self.pending[i] for i in self.places[scene.id, site.id] if i in self.pending)
        return [p for p in others if (p[0].meta.sees_to_gsd_m > see if larger else p[0].meta.sees_to_gsd_m < see)]

    def _drop(self, index: int) -> None:
        del self.pending[index]
        self.left += 1

    def take(self) -> Claimed | None:
        """The next pair that is ready, claimed by this process; None when none is ready now (each
        left waits for a larger-object model that another process, or this one, has in hand)."""
        for index, pair in list(self.pending.items()):
            if index in self.taken:
                continue
            if _recorded(self.store, pair):
                self._drop(index)  # another process recorded it
                continue
            if any(not _recorded(self.store, p) for p in self._same_place(pair, larger=True)):
                continue  # a larger-object model of this scene × site first
            hold = contextlib.ExitStack()
            mine = hold.enter_context(self.store.claim(pair_key(*pair)))
            if not mine:
                hold.close()
                if not self._same_place(pair, larger=False):
                    self._drop(index)  # left to the process that holds it: none of ours waits for it
                continue
            if _recorded(self.store, pair):  # recorded between the check and the claim
                hold.close()
                self._drop(index)
                continue
            self.taken.add(index)
            return Claimed(index, pair, hold)
        return None

    def finish(self, claimed: Claimed) -> None:
        """``claimed`` is recorded (or has failed): release it and count it done."""
        claimed.release()
        self.taken.discard(claimed.index)
        if claimed.index in self.pending:
            self._drop(claimed.index)
