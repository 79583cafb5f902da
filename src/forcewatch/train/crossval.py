"""Held-out scores for a model fine-tuned on a few labelled chips: which chips to hold out, and how
the time budget is shared. Pure: names in, plans out.

With enough chips that have objects (:data:`MIN_HOLDOUT_IMAGES`) a grouped hold-out split is kept
from training and the shipped model is measured on it. With fewer, k-fold cross-validation: each
chip is held out exactly once, by a fold model trained with the same recipe on the other folds'
chips for as many steps as the shipped model, which then trains on every chip; the runs share the
time budget equally (:func:`run_minutes`). The score
(:class:`HeldOut`) goes into the model file under ``holdout`` and into its card. Chips are
held out in whole groups (every chip of a scene, or of a place seen on several dates) so that a
score never comes from a chip whose neighbour was learnt: the coarsest grouping that still gives
two groups with objects is used, and the chip itself is the last resort.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from forcewatch.train.evaluate import ClassReport

#: With at least this many chips with objects, one grouped hold-out split instead of cross-validation.
MIN_HOLDOUT_IMAGES = 12
#: Share of the chips with objects that the hold-out split keeps from training.
HOLDOUT_SHARE = 0.25
DEFAULT_FOLDS = 3
MAX_FOLDS = 10
#: Time kept back per training run for rebuilding the start, exporting and scoring (minutes).
OVERHEAD_MINUTES_PER_RUN = 0.1


@dataclass(frozen=True)
class HeldOut:
    """The fine-tuned model's score on labels held out from its training, as its card states it."""

    kind: str  # "cross-validation", "hold-out" or "val"
    method: str
    data_label: str
    images: int
    objects: int
    gsd_m: float | None  # the source imagery's GSD
    threshold: float
    scores: tuple[ClassReport, ...]  # the fine-tuned model (the fold models, in cross-validation)
    init_scores: tuple[ClassReport, ...] = ()  # the init model on the same chips, at its own threshold
    validates: bool = True
    not_validating: str | None = None
    fold_steps: int = 0  # the steps of each fold model, and of the shipped one (cross-validation)


def init_does_better(held: HeldOut, margin: float = 0.02) -> bool:
    """Whether the init model's AP50 on the held-out chips beats the fine-tuned one's by more than ``margin``
    (AP50: neither threshold favours either model)."""
    tuned = [r.ap50 for r in held.scores if not math.isnan(r.ap50)]
    init = [r.ap50 for r in held.init_scores if not math.isnan(r.ap50)]
    return bool(tuned and init) and sum(init) / len(init) > sum(tuned) / len(tuned) + margin


@dataclass(frozen=True)
class Fold:
    """One split of the chips: the fold model trains on ``train`` and is scored on ``held``."""

    train: tuple[str, ...]
    held: tuple[str, ...]


@dataclass(frozen=True)
class HoldoutPlan:
    """How the held-out score is measured: ``kind`` is "cross-validation" (every chip held out once,
    by one of ``folds``) or "hold-out" (one fold: the shipped model trains on its ``train`` chips)."""

    kind: str
    folds: tuple[Fold, ...]
    grouped_by: str  # scene, place, chip, image …
    groups: int  # groups of that kind among the chips

    @property
    def held_images(self) -> int:
        return sum(len(f.held) for f in self.folds)

    @property
    def method(self) -> str:
        """The method as the card and the model file state it.

        >>> HoldoutPlan("cross-validation", (Fold(("a",), ("b",)), Fold(("b",), ("a",))), "scene", 2).method
        '2-fold cross-validation, grouped by scene (2 scenes)'
        """
        by = f"grouped by {self.grouped_by} ({_plural(self.groups, self.grouped_by)})"
        if self.kind == "cross-validation":
            return f"{len(self.folds)}-fold cross-validation, {by}"
        fold = self.folds[0]
        n = len(fold.train) + len(fold.held)
        return f"hold-out of {len(fold.held)} of {n} chips, {by}; the shipped model never saw them"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else ("es" if noun.endswith(("s", "sh", "ch")) else "s"))


def assign_folds(objects: Mapping[str, int], group_of: Mapping[str, str], k: int) -> tuple[Fold, ...]:
    """``k`` folds of whole groups, balanced by objects then by images; deterministic (groups in order of
    size, then name; each to the lightest fold, then the first). Every image is held out by exactly one
    fold; with at least ``k`` groups that have objects, every fold holds some out.

    >>> [f.held for f in assign_folds({"a": 3, "b": 1, "c": 0, "d": 2}, {"a": "x", "b": "y", "c": "y", "d": "z"}, 2)]
    [('a',), ('b', 'c', 'd')]
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    members: dict[str, list[str]] = {}
    for name in objects:
        members.setdefault(group_of[name], []).append(name)
    size = {g: (sum(objects[n] for n in names), len(names)) for g, names in members.items()}
    order = sorted(members, key=lambda g: (-size[g][0], -size[g][1], g))
    load = [(0, 0)] * k
    fold_of: dict[str, int] = {}
    for g in order:
        i = min(range(k), key=lambda j: (load[j], j))
        fold_of[g] = i
        load[i] = (load[i][0] + size[g][0], load[i][1] + size[g][1])
    return tuple(
        Fold(
            tuple(n for n in objects if fold_of[group_of[n]] != i),
            tuple(n for n in objects if fold_of[group_of[n]] == i),
        )
        for i in range(k)
    )


def plan_holdout(
    objects: Mapping[str, int],
    groupings: Sequence[tuple[str, Mapping[str, str]]] = (),
    *,
    folds: int | None = None,
    unit: str = "chip",
) -> HoldoutPlan | None:
    """The plan for ``objects`` (image name → labelled objects in it): ``folds`` None chooses (a hold-out
    split from :data:`MIN_HOLDOUT_IMAGES` chips with objects, else :data:`DEFAULT_FOLDS`-fold
    cross-validation), 0 measures nothing, k ≥ 2 asks for k-fold cross-validation. ``groupings`` (name,
    image → group), coarsest first, say which images belong together; each image alone (``unit``) is
    the last resort. None when nothing can be held out (off, or fewer than 2 images with objects).
    """
    if folds is not None and folds != 0 and not 2 <= folds <= MAX_FOLDS:
        raise ValueError(f"folds must be 0 or 2–{MAX_FOLDS}, not {folds}")
    with_objects = [n for n, c in objects.items() if c > 0]
    if folds == 0 or len(with_objects) < 2:
        return None
    # a grouping that leaves every image alone is the unit itself (say so)
    levels = [(lv, g) for lv, g in groupings if len(set(g[n] for n in objects)) < len(objects)]
    levels.append((unit, {n: n for n in objects}))
    level, group_of = next((lv, g) for lv, g in levels if len({g[n] for n in with_objects}) >= 2)
    object_groups = len({group_of[n] for n in with_objects})
    groups = len(set(group_of[n] for n in objects))
    if folds is None and len(with_objects) >= MIN_HOLDOUT_IMAGES:
        k = min(round(1 / HOLDOUT_SHARE), object_groups)
        return HoldoutPlan("hold-out", assign_folds(objects, group_of, k)[:1], level, groups)
    k = min(folds or DEFAULT_FOLDS, object_groups)
    return HoldoutPlan("cross-validation", assign_folds(objects, group_of, k), level, groups)


def threshold_of_max_f1(f1_by_threshold: Mapping[float, float]) -> float:
    """The threshold of maximum F1, from the middle of the thresholds that reach it: with a few chips many
    thresholds tie (F1 1.0 from 0.1 to 0.6, say), and the lowest of them lets the most false positives
    through on new imagery.

    >>> threshold_of_max_f1({0.1: 0.5, 0.2: 1.0, 0.3: 1.0, 0.4: 1.0, 0.5: 0.9})
    0.3
    """
    best = max(f1_by_threshold.values())
    tied = sorted(t for t, f1 in f1_by_threshold.items() if f1 >= best - 1e-9)
    return tied[(len(tied) - 1) // 2]


def run_minutes(total_minutes: float, runs: int) -> float:
    """Each training run's time budget when ``runs`` runs (the fold models and the shipped one) share
    ``total_minutes`` for the whole fine-tune: :data:`OVERHEAD_MINUTES_PER_RUN` per run kept back (at
    most a fifth of the total), the rest in equal shares. Equal, because the fold models must follow the
    shipped model's recipe (as many steps, so that a threshold chosen on them suits it).

    >>> run_minutes(10, 4)
    2.4
    >>> run_minutes(10, 1)
    9.9
    """
    overhead = min(0.2 * total_minutes, OVERHEAD_MINUTES_PER_RUN * runs)
    return round((total_minutes - overhead) / runs, 4)
