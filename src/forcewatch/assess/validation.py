"""Validated or not: an analyst's review of an observation makes its counts findings.

A count is *validated* when the model that made it has a score on real imagery of that GSD (the
scan records this in ``Observation.validated``), or when an analyst has reviewed it: every
detection of the class in that observation accepted or rejected (``forcewatch label import``, or
the dashboard). A reviewed class counts what the analyst kept, the accepted detections plus the
objects they drew, and says who reviewed it. Every other count is an *unvalidated candidate*:
shown apart, and never a headline, an estimate, an alert or a camp event unless the user asks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from forcewatch.model import Label, Observation, StoredDetection

#: How the reason of a class validated by an analyst's review starts.
REVIEWED = "reviewed by"
#: What ``--include-unvalidated`` adds to every output it changes.
INCLUDED_NOTE = "includes unvalidated candidates (--include-unvalidated): not findings"


@dataclass(frozen=True)
class Review:
    """One class of one observation as an analyst reviewed it."""

    class_name: str
    accepted: int
    rejected: int
    added: int
    who: tuple[str, ...]
    last: str  # ISO 8601 time of the latest verdict

    @property
    def count(self) -> int:
        """What the analyst kept: accepted detections and the objects they drew."""
        return self.accepted + self.added

    def reason(self) -> str:
        return (
            f"{REVIEWED} {', '.join(self.who)} on {self.last[:10]}: {self.accepted} accepted, "
            f"{self.rejected} rejected, {self.added} added"
        )


def class_reviews(
    observation: Observation, detections: Iterable[StoredDetection], labels: Iterable[Label]
) -> dict[str, Review]:
    """The classes of ``observation`` an analyst reviewed in full: each of its detections of the class
    has a verdict (the latest one counts), or the analyst drew objects of a class it found none of.
    ``detections`` and ``labels`` may cover more than the observation: those of other observations,
    scenes or sites are ignored."""
    mine = [d for d in detections if d.observation_id == observation.id]
    own_ids = {d.id for d in mine}
    here = [lab for lab in labels if lab.scene_id == observation.scene_id]
    verdict = {i: lab for i, lab in latest_verdicts(here).items() if i in own_ids}
    added: dict[str, list[Label]] = {}
    for lab in sorted(here, key=lambda lab: lab.when):
        drawn_here = lab.status == "added" and lab.site_id == observation.site_id and lab.detection_id not in own_ids
        if drawn_here and lab.class_name in observation.counts:
            added.setdefault(lab.class_name, []).append(lab)
    reviews = {}
    for cls in observation.counts:
        dets = [d for d in mine if d.detection.class_name == cls]
        drawn = added.get(cls, [])
        if (dets and not all(d.id in verdict for d in dets)) or not (dets or drawn):
            continue
        verdicts = [verdict[d.id] for d in dets]
        acc = sum(v.status == "accepted" for v in verdicts)
        everyone = [*verdicts, *drawn]
        reviews[cls] = Review(
            cls,
            acc,
            len(verdicts) - acc,
            len(drawn),
            tuple(sorted({v.who for v in everyone})),
            max(v.when for v in everyone),
        )
    return reviews


def reviewed(observation: Observation, reviews: dict[str, Review]) -> Observation:
    """``observation`` with its reviewed classes counted as the analyst kept them, and validated."""
    if not reviews:
        return observation
    return replace(
        observation,
        counts={**observation.counts, **{c: r.count for c, r in reviews.items()}},
        validated={**observation.validated, **{c: r.reason() for c, r in reviews.items()}},
    )


def latest_verdicts(labels: Iterable[Label]) -> dict[int, Label]:
    """Detection id → the latest label an analyst gave it (a later verdict replaces an earlier one)."""
    latest: dict[int, Label] = {}
    for lab in sorted(labels, key=lambda lab: lab.when):
        if lab.detection_id is not None:
            latest[lab.detection_id] = lab
    return latest


def rejected_ids(labels: Iterable[Label]) -> set[int]:
    """The detections an analyst rejected (their latest verdict): never shown as findings."""
    return {i for i, lab in latest_verdicts(labels).items() if lab.status == "rejected"}


def is_finding(class_name: str, validated: Collection[str], include_unvalidated: bool = False) -> bool:
    """Whether a class's counts (or changes) are findings: validated, or the user included candidates."""
    return include_unvalidated or class_name in validated


def findings(counts: dict[str, int], validated: Collection[str], include_unvalidated: bool) -> dict[str, int]:
    """The counts a headline, an estimate or an alert may use: the validated ones, or all of them
    when the user asked to include unvalidated candidates."""
    return {c: n for c, n in counts.items() if is_finding(c, validated, include_unvalidated)}
