"""The metadata every ForceWatch ONNX model carries inside its file (ONNX metadata_props)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from forcewatch.errors import ModelError

PREFIX = "forcewatch."
FORMAT_VERSION = 1
#: a score validates counts of imagery up to this factor finer or coarser than the GSDs it was measured at
VALIDATION_GSD_MARGIN = 1.25
#: a stated GSD within this fraction of another counts as the same (a stated 3 m may be 2.98)
GSD_TOLERANCE = 0.02


def at_least_as_coarse(gsd_m: float, than_gsd_m: float) -> bool:
    """Whether imagery of ``gsd_m`` is as coarse as ``than_gsd_m`` or coarser (within ``GSD_TOLERANCE``)."""
    return gsd_m >= than_gsd_m * (1 - GSD_TOLERANCE)


@dataclass(frozen=True)
class ModelMeta:
    """Everything needed to run a model correctly and to cite it."""

    model_id: str
    classes: tuple[str, ...]
    gsd_m: float  # canonical ground sample distance: images are resampled to it
    stride: int  # output cell size in input pixels
    tile_px: int  # tile side used for inference, at gsd_m
    overlap_px: int  # overlap between tiles, at least the largest object
    mean: tuple[float, float, float]  # input normalisation, 0–255 units: (x - mean) / std
    std: tuple[float, float, float]
    score_threshold: float  # operating threshold
    nms_iou: float
    version: str
    licence: str
    training_data: str
    created: str = ""
    scores: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    max_source_gsd_m: float = 0.0  # coarsest imagery it can see its classes in (0: not stated)
    # (from source GSD in m, threshold), coarsest last: the operating threshold of imagery at least that coarse
    coarse_thresholds: tuple[tuple[float, float], ...] = ()

    @property
    def sees_to_gsd_m(self) -> float:
        """The coarsest source GSD at which this model's classes are observable (stated, else 3× its GSD)."""
        return self.max_source_gsd_m or 3.0 * self.gsd_m

    def threshold_at(self, source_gsd_m: float | None) -> float:
        """The operating threshold for imagery of ``source_gsd_m``: ``score_threshold``, unless the
        imagery is as coarse as an entry of ``coarse_thresholds`` (within 2 %: a stated 3 m may be
        2.98), whose threshold was chosen for coarser, softer sensors (where every score is lower)."""
        thr = self.score_threshold
        if source_gsd_m is None or not math.isfinite(source_gsd_m):
            return thr
        for from_m, coarse in self.coarse_thresholds:
            if at_least_as_coarse(source_gsd_m, from_m):
                thr = coarse
        return thr

    def not_observable_reason(self, source_gsd_m: float) -> str | None:
        """Why this model cannot see its classes in imagery of ``source_gsd_m``, or None if it can."""
        if source_gsd_m <= self.sees_to_gsd_m * (1 + GSD_TOLERANCE):
            return None
        return (
            f"imagery of {source_gsd_m:.2f} m GSD is coarser than the {self.sees_to_gsd_m:g} m "
            f"that {self.model_id} needs"
        )

    def validation(self, class_name: str, source_gsd_m: float | None) -> str | None:
        """Why this model's counts of ``class_name`` in imagery of ``source_gsd_m`` are *validated*, or
        None when they are unvalidated candidates.

        A count is validated only by a score entry marked ``"validates": true``: measured on real
        imagery of the objects the class names (not synthetic, not a stand-in such as civilian cars),
        on images the model never trained on. The imagery must lie within the GSDs such entries were
        measured at (the model reads at its own GSD, so finer imagery counts as the model's GSD),
        give or take :data:`VALIDATION_GSD_MARGIN`.
        """
        measured: list[tuple[float, float, str, dict[str, Any]]] = []  # (read at, source GSD, key, report)
        for key, entry in self.scores.items():
            if not isinstance(entry, dict) or entry.get("validates") is not True or entry.get("gsd_m") is None:
                continue
            report = (entry.get("classes") or {}).get(class_name)
            if isinstance(report, dict):
                source_m = float(entry["gsd_m"])
                measured.append((max(source_m, self.gsd_m), source_m, key, report))
        if not measured or source_gsd_m is None or not math.isfinite(source_gsd_m) or source_gsd_m <= 0:
            return None
        seen_at_m = max(source_gsd_m, self.gsd_m)
        lo_m = min(m[0] for m in measured) / VALIDATION_GSD_MARGIN
        hi_m = max(m[0] for m in measured) * VALIDATION_GSD_MARGIN
        if not lo_m <= seen_at_m <= hi_m:
            return None
        # the nearest GSD; at the same GSD, a real sensor's scores before degraded imagery's
        _, source_m, key, report = min(
            measured, key=lambda m: (abs(math.log(m[0] / seen_at_m)), on_degraded_imagery(self.scores[m[2]]))
        )
        scored = ", ".join(
            f"{label} {float(report[name]):.2f}"
            for name, label in (("ap50", "AP50"), ("recall", "recall"))
            if name in report
        )
        on = (
            f"real imagery degraded to {source_m:g} m"
            if on_degraded_imagery(self.scores[key])
            else f"real {source_m:g} m imagery"
        )
        return f"{self.model_id} scored on {on} ({key}{': ' + scored if scored else ''})"

    def to_props(self) -> dict[str, str]:
        """Flat string properties as stored in the ONNX file."""
        return {PREFIX + k: json.dumps(v) for k, v in asdict(self).items()}

    @classmethod
    def from_props(cls, props: dict[str, str], source: str) -> ModelMeta:
        values: dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            key = PREFIX + name
            if key not in props:
                if name in ("created", "scores", "format_version", "max_source_gsd_m", "coarse_thresholds"):
                    continue
                raise ModelError(
                    f"{source}: the model has no {key!r} metadata; it was not exported by "
                    "ForceWatch. Fix: export it with `forcewatch train` (or train.export)."
                )
            try:
                values[name] = json.loads(props[key])
            except json.JSONDecodeError:
                raise ModelError(f"{source}: metadata {key!r} is not valid JSON: {props[key]!r}") from None
        values["classes"] = tuple(values["classes"])
        if "coarse_thresholds" in values:
            values["coarse_thresholds"] = coarse_thresholds(values["coarse_thresholds"], source)
        values["mean"] = tuple(values["mean"])
        values["std"] = tuple(values["std"])
        return cls(**values)


def on_degraded_imagery(entry: dict[str, Any]) -> bool:
    """Whether a score entry was measured on imagery degraded to its GSD (its data says so, as
    ``forcewatch evaluate --degrade-to-gsd-m`` records it), not on a sensor of that GSD."""
    return "degraded" in str(entry.get("data", ""))


def coarse_thresholds(value: Any, source: str) -> tuple[tuple[float, float], ...]:
    """``[[from_gsd_m, threshold], ...]`` as stored, checked: finer first, GSDs positive, thresholds in (0, 1)."""
    try:
        pairs = tuple((float(g), float(t)) for g, t in value)
    except (TypeError, ValueError):
        raise ModelError(
            f"{source}: metadata 'forcewatch.coarse_thresholds' is {value!r}, not a list of [from_gsd_m, threshold]. "
            "Fix: write it with forcewatch.train.export.update_metadata(path, coarse_thresholds=((3.0, 0.4),))."
        ) from None
    gsds = [g for g, _ in pairs]
    if any(g <= 0 or not 0 < t < 1 for g, t in pairs) or gsds != sorted(set(gsds)):
        raise ModelError(
            f"{source}: metadata 'forcewatch.coarse_thresholds' is {value!r}: each GSD must be positive and "
            "coarser than the one before, each threshold between 0 and 1. Fix: write it again with "
            "forcewatch.train.export.update_metadata."
        )
    return pairs
