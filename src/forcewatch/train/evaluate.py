"""Detector evaluation: AP at IoU 0.5 (all-point interpolation, as VOC 2010+/COCO), precision,
recall and F1 at the operating threshold, and per-image count errors (MAE, MAPE).

Truncated objects (cut by the image edge) are *difficult*, as in VOC: a detection matching one
is neither a true nor a false positive, missing one is no false negative, and neither side of a
count includes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from forcewatch.errors import InputError
from forcewatch.train.annotations import AnnotationSet, ImageLabels


@dataclass(frozen=True)
class ImagePrediction:
    name: str
    boxes: np.ndarray  # N×4 in pixels of the labelled image
    scores: np.ndarray
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Matched:
    scores: np.ndarray  # scores of the non-ignored detections
    tp: np.ndarray  # bool, same length
    n_gt: int  # non-difficult ground-truth objects


def average_precision(scores: np.ndarray, tp: np.ndarray, n_gt: int) -> float:
    """All-point interpolated AP: area under the precision envelope of the PR curve."""
    if n_gt == 0:
        return float("nan")
    if len(scores) == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    hits = tp[order].astype(np.float64)
    ctp = np.cumsum(hits)
    cfp = np.cumsum(1 - hits)
    recall = ctp / n_gt
    precision = ctp / (ctp + cfp)
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    idx = np.nonzero(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))


def _iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ix = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    iy = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(ix, 0, None) * np.clip(iy, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-12)


def match_image(
    boxes: np.ndarray,
    scores: np.ndarray,
    gt: np.ndarray,
    difficult: np.ndarray,
    iou_threshold: float = 0.5,
) -> Matched:
    """Greedy VOC matching by descending score: each ground truth matches at most once."""
    order = np.argsort(-scores, kind="stable")
    boxes, scores = boxes[order], scores[order]
    ious = _iou_matrix(boxes, gt) if len(boxes) and len(gt) else np.zeros((len(boxes), len(gt)))
    used = np.zeros(len(gt), bool)
    tp = np.zeros(len(boxes), bool)
    ignored = np.zeros(len(boxes), bool)
    for i in range(len(boxes)):
        if not len(gt):
            break
        j = int(np.argmax(ious[i]))
        if ious[i, j] < iou_threshold:
            continue
        if difficult[j]:
            ignored[i] = True
        elif not used[j]:
            used[j] = True
            tp[i] = True
    return Matched(scores[~ignored], tp[~ignored], int((~difficult).sum()))


@dataclass(frozen=True)
class ClassReport:
    class_name: str
    ap50: float
    precision: float
    recall: float
    f1: float
    count_mae: float
    count_mape_pct: float
    n_gt: int
    n_images: int
    n_detections: int = 0  # at the threshold

    def to_json(self) -> dict[str, object]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def _gt_arrays(im: ImageLabels, cls: str) -> tuple[np.ndarray, np.ndarray]:
    objs = [o for o in im.objects if o.class_name == cls]
    gt = np.array([o.box_px for o in objs], np.float64).reshape(-1, 4)
    return gt, np.array([o.truncated for o in objs], bool)


def evaluate_predictions(
    preds: Sequence[ImagePrediction],
    data: AnnotationSet,
    threshold: float,
    iou_threshold: float = 0.5,
) -> list[ClassReport]:
    """One report per class over all images of ``data``."""
    by_name = {p.name: p for p in preds}
    reports = []
    for cls in data.classes:
        all_scores, all_tp, n_gt_total = [], [], 0
        tp_thr = fp_thr = 0
        abs_err, pct_err = [], []
        for im in data.images:
            pred = by_name.get(im.name)
            gt, difficult = _gt_arrays(im, cls)
            if pred is None:
                boxes, scores = np.zeros((0, 4)), np.zeros((0,))
            else:
                sel = np.array([c == cls for c in pred.classes], bool)
                boxes, scores = pred.boxes[sel], pred.scores[sel]
            m = match_image(boxes, scores, gt, difficult, iou_threshold)
            all_scores.append(m.scores)
            all_tp.append(m.tp)
            n_gt_total += m.n_gt
            above = m.scores >= threshold
            tp_thr += int(m.tp[above].sum())
            fp_thr += int((~m.tp[above]).sum())
            count = int(above.sum())
            abs_err.append(abs(count - m.n_gt))
            if m.n_gt:
                pct_err.append(abs(count - m.n_gt) / m.n_gt * 100)
        ap = average_precision(np.concatenate(all_scores), np.concatenate(all_tp), n_gt_total)
        precision = tp_thr / (tp_thr + fp_thr) if tp_thr + fp_thr else 0.0
        recall = tp_thr / n_gt_total if n_gt_total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        reports.append(
            ClassReport(
                cls,
                ap,
                precision,
                recall,
                f1,
                float(np.mean(abs_err)) if abs_err else float("nan"),
                float(np.mean(pct_err)) if pct_err else float("nan"),
                n_gt_total,
                len(data.images),
                tp_thr + fp_thr,
            )
        )
    return reports


def best_f1_threshold(preds: Sequence[ImagePrediction], data: AnnotationSet) -> float:
    """The score threshold (0.05–0.95, step 0.01) that maximises mean F1 over classes."""
    best, best_f1 = 0.3, -1.0
    for k in range(5, 96):
        f1 = float(np.mean([r.f1 for r in evaluate_predictions(preds, data, k / 100)]))
        if f1 > best_f1 + 1e-9:
            best, best_f1 = k / 100, f1
    return best


def load_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(f"{path}: cannot be decoded as an image. Fix: replace the file.")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def degrade(rgb: np.ndarray, gsd_m: float, to_gsd_m: float) -> np.ndarray:
    """The image as a sensor of ``to_gsd_m`` would see it (area-averaged to the coarser GSD)."""
    if to_gsd_m <= gsd_m:
        return rgb
    f = gsd_m / to_gsd_m
    size = (max(1, round(rgb.shape[1] * f)), max(1, round(rgb.shape[0] * f)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def predict_set(
    model: Path | object,
    data: AnnotationSet,
    *,
    score_floor: float = 0.05,
    stated_gsd_m: float | None = None,
    degrade_to_gsd_m: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ImagePrediction]:
    """Run a model over every image of ``data``; boxes come back in the labels' pixels.

    ``degrade_to_gsd_m`` first resamples each image to a coarser GSD (the resolution study);
    ``stated_gsd_m`` is the GSD the detector is told (a user's possibly wrong value).
    """
    from forcewatch.detect.base import Detector
    from forcewatch.detect.registry import load_detector
    from forcewatch.detect.run import detect_source
    from forcewatch.imagery.array import ArraySource

    detector = model if isinstance(model, Detector) else load_detector(str(model))
    out = []
    for i, im in enumerate(data.images):
        if im.gsd_m is None and stated_gsd_m is None:
            raise InputError(f"{im.image_path}: GSD unknown. Fix: give --gsd-m METRES.")
        true_gsd = im.gsd_m or stated_gsd_m or 0.0
        rgb = load_rgb(im.image_path)
        seen_gsd = true_gsd
        if degrade_to_gsd_m:
            rgb = degrade(rgb, true_gsd, degrade_to_gsd_m)
            seen_gsd = max(true_gsd, degrade_to_gsd_m)
        told = stated_gsd_m * seen_gsd / true_gsd if stated_gsd_m else seen_gsd
        dets = detect_source(ArraySource(rgb), told, detector, score_threshold=score_floor)
        back = im.width_px / rgb.shape[1]
        boxes = np.array([d.box_px for d in dets], np.float64).reshape(-1, 4) * back
        out.append(
            ImagePrediction(im.name, boxes, np.array([d.score for d in dets]), tuple(d.class_name for d in dets))
        )
        if progress:
            progress(i + 1, len(data.images))
    return out
