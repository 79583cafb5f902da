"""Tracks across three or more dates: consecutive matches chained into objects with the dates they
were first and last seen (and how often, allowing for dates when they were not observed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from forcewatch.change.match import match_objects
from forcewatch.model import Observation, StoredDetection, member_ids


@dataclass
class Track:
    id: int
    class_name: str
    first_seen: str
    last_seen: str
    detections: list[int] = field(default_factory=list)  # detection ids, in date order

    def to_json(self) -> dict[str, object]:
        return {
            "track": self.id,
            "class": self.class_name,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "times_seen": len(self.detections),
            "detections": self.detections,
        }


def split_unseen(
    previous: list[StoredDetection], obs: Observation
) -> tuple[list[StoredDetection], list[StoredDetection]]:
    """Objects of the previous date that ``obs`` can be compared with, and those of a class it
    cannot see (too coarse): neither present nor gone, they are carried over to the next date."""
    carried = [d for d in previous if d.detection.class_name in obs.not_observable]
    return [d for d in previous if d.detection.class_name not in obs.not_observable], carried


def build_tracks(observations: list[Observation], detections: list[StoredDetection]) -> list[Track]:
    """Chain object matches between consecutive observations (date order) into tracks. An object
    not observed on a date (outside the valid area) keeps its track open for the next date."""
    tracks: list[Track] = []
    open_by_det: dict[int, Track] = {}  # last detection id of each open track → track
    previous: list[StoredDetection] = []
    for obs in sorted(observations, key=lambda o: o.acquired):
        ids = member_ids(obs)
        current = [d for d in detections if d.observation_id in ids]
        previous, carried = split_unseen(previous, obs)
        if previous:
            for change in match_objects(previous, current, observed_after=obs.observed).values():
                for a, b in change.stayed:
                    track = open_by_det.pop(a.id)
                    track.detections.append(b.id)
                    track.last_seen = b.acquired
                    open_by_det[b.id] = track
                for d in change.departed:
                    open_by_det.pop(d.id, None)
                carried += change.not_observed  # still possibly there: match it again next time
        matched_now = {t.detections[-1] for t in open_by_det.values()}
        for d in current:
            if d.id not in matched_now:
                track = Track(len(tracks) + 1, d.detection.class_name, d.acquired, d.acquired, [d.id])
                tracks.append(track)
                open_by_det[d.id] = track
        previous = current + carried
    return tracks
