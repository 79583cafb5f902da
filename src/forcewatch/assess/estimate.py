"""Force estimates: counts by class → corrected counts → unit equivalents → personnel, each as
low / central / high, with every assumption stated.

Correction for the detector: a detected count n over-counts by its false positives and misses
what it does not find, so the expected true count is n × precision / recall, with both measured
on the model's hold-out (the model card, stored in the ONNX metadata) and their 95 % Wilson
intervals giving the range. The estimate covers only what was observed: a site seen at 60 % is an
estimate for that 60 %, said in the output.

Only *validated* classes are estimated (:attr:`forcewatch.model.Observation.validated`): a class
validated by its model's score on real imagery is corrected with that score; a class an analyst
reviewed is their count as it stands (precision and recall 1). Unvalidated candidates are listed
as not estimated, with why, unless the user includes them (and then the estimate says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from scipy.stats import binomtest

from forcewatch.assess.validation import INCLUDED_NOTE, REVIEWED
from forcewatch.detect.metadata import at_least_as_coarse, on_degraded_imagery
from forcewatch.errors import InputError
from forcewatch.model import Observation

DOCTRINE = Path(__file__).with_name("doctrine.yaml")


@dataclass(frozen=True)
class Range:
    low: float
    central: float
    high: float

    def to_json(self, digits: int = 1) -> dict[str, float]:
        return {
            "low": round(self.low, digits),
            "central": round(self.central, digits),
            "high": round(self.high, digits),
        }


@dataclass(frozen=True)
class UnitRule:
    id: str
    name: str
    counts_class: str
    objects_per_unit: Range
    personnel_per_unit: Range
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DetectorQuality:
    """Precision and recall at the operating threshold, and how many objects measured them."""

    model_id: str
    precision: float
    recall: float
    n_objects: int
    n_detections: int
    data: str = ""  # what the hold-out was (said in every estimate: some hold-outs are synthetic)


@dataclass(frozen=True)
class ClassEstimate:
    class_name: str
    detected: int
    corrected: Range
    unit: str | None
    units: Range | None
    personnel: Range | None
    assumptions: list[str] = field(default_factory=list)
    validated: str | None = None  # why the count is validated; None for an unvalidated candidate included

    def to_json(self) -> dict[str, object]:
        return {
            "class": self.class_name,
            "detected": self.detected,
            "corrected_count": self.corrected.to_json(),
            "unit": self.unit,
            "unit_equivalents": self.units.to_json(2) if self.units else None,
            "personnel": self.personnel.to_json(0) if self.personnel else None,
            "assumptions": self.assumptions,
            "validated": self.validated,
        }


def wilson(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (scipy's ``binomtest``); ``successes`` is rounded
    to a whole count (a precision times its detections is one, up to float error)."""
    if n <= 0:
        return 0.0, 1.0
    k = min(n, max(0, round(successes)))
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def _range(doc: object, where: str) -> Range:
    if not isinstance(doc, dict) or not {"low", "central", "high"} <= set(doc):
        raise InputError(f"{where}: expected {{low, central, high}}, got {doc!r}.")
    try:
        r = Range(float(doc["low"]), float(doc["central"]), float(doc["high"]))
    except (TypeError, ValueError):
        raise InputError(f"{where}: low, central and high must be numbers, got {doc!r}.") from None
    if not 0 < r.low <= r.central <= r.high:
        raise InputError(f"{where}: need 0 < low <= central <= high, got {r.low}, {r.central}, {r.high}.")
    return r


def load_doctrine(path: Path | None = None) -> list[UnitRule]:
    """The doctrine table (the bundled one, or the user's edited copy), validated."""
    path = path or DOCTRINE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the doctrine table ({exc}).") from None
    rules = []
    for i, u in enumerate((doc or {}).get("units", [])):
        where = f"{path}, units[{i}]"
        for key in ("id", "name", "counts_class", "objects_per_unit", "personnel_per_unit", "sources"):
            if key not in u:
                raise InputError(
                    f"{where}: missing {key!r}. Fix: every unit needs id, name, counts_class, "
                    "objects_per_unit, personnel_per_unit and sources."
                )
        if not u["sources"]:
            raise InputError(f"{where}: no sources. Fix: cite where each figure comes from.")
        rules.append(
            UnitRule(
                str(u["id"]),
                str(u["name"]),
                str(u["counts_class"]),
                _range(u["objects_per_unit"], f"{where}.objects_per_unit"),
                _range(u["personnel_per_unit"], f"{where}.personnel_per_unit"),
                tuple(str(s) for s in u["sources"]),
            )
        )
    return rules


def corrected_count(detected: int, q: DetectorQuality) -> Range:
    """n × precision / recall, with the Wilson intervals of both as the range."""
    p_lo, p_hi = wilson(q.precision * q.n_detections, q.n_detections)
    r_lo, r_hi = wilson(q.recall * q.n_objects, q.n_objects)
    return Range(
        detected * p_lo / r_hi, detected * q.precision / max(q.recall, 1e-9), detected * p_hi / max(r_lo, 1e-9)
    )


def with_doctrine(
    class_name: str, detected: int, corrected: Range, notes: list[str], rules: list[UnitRule]
) -> ClassEstimate:
    """A class's corrected count as unit equivalents and personnel by its doctrine rule (if any),
    the rule's figures and sources added to ``notes``."""
    rule = next((r for r in rules if r.counts_class == class_name), None)
    units = personnel = None
    notes = list(notes)
    if rule is not None:
        o, pp = rule.objects_per_unit, rule.personnel_per_unit
        units = Range(corrected.low / o.high, corrected.central / o.central, corrected.high / o.low)
        personnel = Range(units.low * pp.low, units.central * pp.central, units.high * pp.high)
        notes.append(
            f"{rule.name}: {o.low:g}-{o.high:g} {class_name} per unit (central {o.central:g}), "
            f"{pp.low:g}-{pp.high:g} personnel per unit (central {pp.central:g})"
        )
        notes.extend(f"source: {s}" for s in rule.sources)
    else:
        notes.append(f"no doctrine rule for {class_name!r}: counts only")
    return ClassEstimate(class_name, detected, corrected, rule.name if rule else None, units, personnel, notes)


def correction_notes(n: int, quality: DetectorQuality) -> list[str]:
    """What a detector correction assumed: the precision and recall, what measured them, the formula."""
    return [
        f"{quality.model_id}: precision {quality.precision:.3f} (measured on {quality.n_detections} detections), "
        f"recall {quality.recall:.3f} (on {quality.n_objects} objects) on its hold-out"
        + (f" ({quality.data})" if quality.data else "")
        + "; 95 % Wilson intervals",
        f"corrected count = detected × precision / recall = {n} × {quality.precision:.3f} / {quality.recall:.3f}",
    ]


def estimate(counts: dict[str, int], quality: DetectorQuality, rules: list[UnitRule]) -> list[ClassEstimate]:
    """Each class of ``counts`` corrected for the detector's ``quality``, then by the doctrine ``rules``."""
    return [
        with_doctrine(cls, n, corrected_count(n, quality), correction_notes(n, quality), rules)
        for cls, n in sorted(counts.items())
    ]


def reviewed_estimate(class_name: str, n: int, why: str, rules: list[UnitRule]) -> ClassEstimate:
    """The estimate of a class an analyst reviewed: their count as it is (precision and recall 1)."""
    note = f"{class_name}: reviewed count, not corrected ({why})"
    return with_doctrine(class_name, n, Range(n, n, n), [note], rules)


def score_key_for_gsd(scores: dict[str, object], gsd_m: float | None, key: str = "holdout") -> str:
    """Which recorded scores fit imagery of ``gsd_m``: of the entries ``key`` and ``key@…`` (scores
    measured at G m, with a ``gsd_m`` field: the hold-out degraded to G m, or a real sensor of G m), the
    one measured at the finest GSD that is at least as coarse as the date's; the coarsest one if the
    date is coarser than all. Recall falls as imagery coarsens, so a count is corrected with the recall
    of its own GSD; at the same GSD a real sensor's scores come before degraded imagery's (a real
    coarse sensor is softer than an area average, and its recall lower)."""
    measured = {
        k: (float(v["gsd_m"]), on_degraded_imagery(v))
        for k, v in scores.items()
        if (k == key or k.startswith(f"{key}@")) and isinstance(v, dict) and v.get("gsd_m") is not None
    }
    if gsd_m is None or not measured:
        return key
    coarse_enough = [k for k, (g, _) in measured.items() if at_least_as_coarse(g, gsd_m)]
    if coarse_enough:
        return min(coarse_enough, key=lambda k: measured[k])
    coarsest = max(g for g, _ in measured.values())
    return min((k for k, (g, _) in measured.items() if g == coarsest), key=lambda k: measured[k])


def quality_from_scores(
    model_id: str, scores: dict[str, object], class_name: str, key: str = "holdout", gsd_m: float | None = None
) -> DetectorQuality:
    """Precision and recall recorded in a model's metadata by ``forcewatch evaluate --record``; with
    ``gsd_m`` (the date's imagery), those measured at that GSD (:func:`score_key_for_gsd`)."""
    key = score_key_for_gsd(scores, gsd_m, key)
    try:
        c = scores[key]["classes"][class_name]  # type: ignore[index]
        data = str(scores[key].get("data", ""))  # type: ignore[attr-defined]
        if scores[key].get("gsd_m") is not None:  # type: ignore[attr-defined]
            data += f"; measured at {float(scores[key]['gsd_m']):g} m GSD"  # type: ignore[index]
        return DetectorQuality(
            model_id, float(c["precision"]), float(c["recall"]), int(c["n_gt"]), int(c["n_detections"]), data
        )
    except (KeyError, TypeError):
        raise InputError(
            f"model {model_id!r} has no recorded {key!r} scores for {class_name!r}, so its counts cannot be corrected. "
            f"Fix: run `forcewatch evaluate DATA --format ... --model MODEL --record {key}` on labelled images it "
            "never saw."
        ) from None


#: Why a class was not estimated (:attr:`NotEstimated.status`).
CANDIDATES = "unvalidated candidates"
NO_SCORES = "no scores"
NO_MODEL = "model not found"


@dataclass(frozen=True)
class NotEstimated:
    """A counted class left out of an estimate, and why."""

    class_name: str
    detected: int
    status: str  # unvalidated candidates | no scores | model not found
    why: str

    def text(self) -> str:
        """``not estimated: unvalidated candidates (31 vehicle)``."""
        return f"not estimated: {self.status} ({self.detected} {self.class_name})"

    def to_json(self) -> dict[str, object]:
        return {"class": self.class_name, "detected": self.detected, "status": self.status, "why": self.why}


@dataclass(frozen=True)
class SiteEstimate:
    """The estimate of a site's latest observation by one model: the classes estimated and those not."""

    site: str
    observation: Observation | None
    classes: list[ClassEstimate]
    not_estimated: list[NotEstimated] = field(default_factory=list)

    @property
    def includes_unvalidated(self) -> list[str]:
        """The classes estimated although unvalidated (the user included them)."""
        return [e.class_name for e in self.classes if e.validated is None]

    def to_json(self) -> dict[str, object]:
        o = self.observation
        if o is None:
            return {"site": self.site, "estimate": None, "why": "no observation yet"}
        included = self.includes_unvalidated
        return {
            "site": self.site,
            "model": o.model_id,
            "model_sha256": o.model_sha256,
            "acquired": o.acquired,
            "share_observed": o.share_observed,
            "scene_id": o.scene_id,
            "classes": [e.to_json() for e in self.classes],
            "not_estimated": [n.to_json() for n in self.not_estimated],
            "not_observable": o.not_observable,
            "includes_unvalidated": included,
            "note": INCLUDED_NOTE if included else None,
        }


def _correcting(scores: dict[str, object], validated: bool, key: str = "holdout") -> dict[str, object]:
    """The score entries that may correct a count: for a validated class, those marked ``validates``
    (when the ``key`` family has any); else all of them."""
    marked: dict[str, object] = {k: v for k, v in scores.items() if isinstance(v, dict) and v.get("validates") is True}
    family = any(k == key or k.startswith(f"{key}@") for k in marked)
    return marked if validated and family else scores


def class_estimate(
    observation: Observation,
    class_name: str,
    scores: dict[str, object] | None,
    rules: list[UnitRule],
    gsd_m: float | None = None,
    include_unvalidated: bool = False,
) -> ClassEstimate | NotEstimated:
    """One counted class of ``observation``: a reviewed class as the analyst counted it; a class
    validated by its model's real-imagery score corrected with that score (``scores``: the metadata
    of the model that made the observation; None when that model is gone); an unvalidated candidate
    left out (estimated, and said so, with ``include_unvalidated``)."""
    o, cls = observation, class_name
    n = o.counts[cls]
    why = o.validated.get(cls)
    if why is not None and why.startswith(REVIEWED):
        return replace(reviewed_estimate(cls, n, why, rules), validated=why)
    if why is None and not include_unvalidated:
        return NotEstimated(
            cls,
            n,
            CANDIDATES,
            f"no score of {o.model_id} on real imagery of this GSD and no analyst review validates its {cls} count. "
            "Fix: review the detections (`forcewatch label export`, then `label import`), fine-tune a model on your "
            "labels, or pass --include-unvalidated",
        )
    if scores is None:
        return NotEstimated(
            cls,
            n,
            NO_MODEL,
            f"{o.model_id} (sha256 {o.model_sha256[:12]}) is neither bundled nor in the workspace, so its scores "
            "cannot correct the count. Fix: add the model file again (`forcewatch model add`)",
        )
    try:
        quality = quality_from_scores(o.model_id, _correcting(scores, why is not None), cls, gsd_m=gsd_m)
    except InputError as exc:
        return NotEstimated(cls, n, NO_SCORES, str(exc))
    notes = [
        f"{cls} validated: {why}" if why is not None else f"{cls} by {o.model_id}: {INCLUDED_NOTE}",
        *correction_notes(n, quality),
    ]
    return replace(with_doctrine(cls, n, corrected_count(n, quality), notes, rules), validated=why)


def site_estimate(
    site_name: str,
    observations: list[Observation],
    model_id: str,
    model_sha256: str,
    scores: dict[str, object] | None,
    rules: list[UnitRule],
    scene_gsd_m: Mapping[int, float] | None = None,
    *,
    include_unvalidated: bool = False,
) -> SiteEstimate:
    """The estimate for a site's latest observation (of ``observations``, in date order) made with
    this model (by its file hash; ``scores``: its recorded scores); no estimate when the model has
    not observed the site. Each class as :func:`class_estimate` says."""
    mine = [o for o in observations if o.model_sha256 == model_sha256]
    if not mine:
        return SiteEstimate(site_name, None, [])
    latest = mine[-1]
    gsd = (scene_gsd_m or {}).get(latest.scene_id)
    done = [class_estimate(latest, cls, scores, rules, gsd, include_unvalidated) for cls in sorted(latest.counts)]
    return SiteEstimate(
        site_name,
        latest,
        [e for e in done if isinstance(e, ClassEstimate)],
        [e for e in done if isinstance(e, NotEstimated)],
    )


def site_estimates(
    site_name: str,
    observations: list[Observation],
    scores: Mapping[str, dict[str, object] | None],
    rules: list[UnitRule],
    scene_gsd_m: Mapping[int, float] | None = None,
    include_unvalidated: bool = False,
) -> list[SiteEstimate]:
    """A site's estimates, one per model that observed it (by model name): each model's latest
    observation corrected with that model's own scores (``scores``: model file hash → its recorded
    scores, None for a model no longer found). One empty estimate when nothing observed the site."""
    models = sorted({(o.model_id, o.model_sha256) for o in observations})
    if not models:
        return [SiteEstimate(site_name, None, [])]
    return [
        site_estimate(
            site_name,
            observations,
            mid,
            sha,
            scores.get(sha),
            rules,
            scene_gsd_m,
            include_unvalidated=include_unvalidated,
        )
        for mid, sha in models
    ]
