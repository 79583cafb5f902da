"""Label audits: loading (and refusing malformed ones), adding to the images of a split, and what
an added object does to the scores; the bundled aircraft audit against the real labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forcewatch.detect.registry import model_path
from forcewatch.errors import AnnotationError
from forcewatch.train.annotations import AnnotationSet, ImageLabels, ObjectLabel, box_iou
from forcewatch.train.audit import apply_audit, load_audit
from forcewatch.train.evaluate import ImagePrediction, evaluate_predictions


def _data() -> AnnotationSet:
    labelled = (ObjectLabel("aircraft", (10.0, 10.0, 50.0, 50.0)), ObjectLabel("aircraft", (100.0, 10.0, 140.0, 50.0)))
    return AnnotationSet(
        Path("labels.csv"),
        "airbus",
        ("aircraft",),
        (ImageLabels(Path("a.jpg"), 200, 100, labelled, 0.5), ImageLabels(Path("b.jpg"), 200, 100, (), 0.5)),
    )


def _audit(tmp_path: Path, added: list[dict[str, object]]) -> Path:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps({"added": added}))
    return path


def test_added_objects_join_their_images_and_the_rest_is_skipped(tmp_path: Path) -> None:
    path = _audit(
        tmp_path,
        [
            {"image": "a.jpg", "box_px": [150, 50, 190, 90], "why": "an unlabelled aircraft"},
            {"image": "a.jpg", "box_px": [0, 60, 30, 100], "truncated": True, "why": "cut by the edge"},
            {"image": "elsewhere.jpg", "box_px": [0, 0, 5, 5], "why": "an image of another split"},
        ],
    )
    audit = load_audit(path)
    got = apply_audit(_data(), audit)
    a, b = got.images
    assert len(a.objects) == 4 and a.objects[2].box_px == (150, 50, 190, 90) and not a.objects[2].truncated
    assert a.objects[3].truncated and b.objects == ()
    assert audit.summary() == "2 whole and 1 edge-cut aircraft added by eye (audit.json)"
    assert got.notes[-1] == audit.summary() and _data().images[0].objects == a.objects[:2]  # nothing changed in place


def test_an_added_whole_object_turns_a_false_count_into_a_true_one_and_an_edge_cut_one_is_ignored(
    tmp_path: Path,
) -> None:
    boxes = np.array([[10, 10, 50, 50], [100, 10, 140, 50], [150, 50, 190, 90], [0, 60, 30, 100]], np.float64)
    preds = [
        ImagePrediction("a.jpg", boxes, np.full(4, 0.9), ("aircraft",) * 4),
        ImagePrediction("b.jpg", np.zeros((0, 4)), np.zeros(0), ()),
    ]
    (before,) = evaluate_predictions(preds, _data().subset({"a.jpg"}), 0.5)
    assert before.precision == 0.5 and before.count_mape_pct == 100.0  # 4 counted against 2 labelled
    path = _audit(
        tmp_path,
        [
            {"image": "a.jpg", "box_px": [150, 50, 190, 90], "why": "unlabelled"},
            {"image": "a.jpg", "box_px": [0, 60, 30, 100], "truncated": True, "why": "cut by the edge"},
        ],
    )
    (after,) = evaluate_predictions(preds, apply_audit(_data().subset({"a.jpg"}), load_audit(path)), 0.5)
    assert after.precision == 1.0 and after.recall == 1.0 and after.count_mape_pct == 0.0
    assert after.n_gt == 3  # the edge-cut one is neither required nor counted


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ("not json", "cannot be read as JSON"),
        ({"items": []}, "no 'added' list"),
        ({"added": [{"box_px": [0, 0, 1, 1], "why": "x"}]}, "added[0]: entry"),
        ({"added": [{"image": "a.jpg", "box_px": [5, 0, 1, 1], "why": "x"}]}, "added[0]: box_px [5, 0, 1, 1]"),
        ({"added": [{"image": "a.jpg", "box_px": [0, 0, 1], "why": "x"}]}, "is not [x0, y0, x1, y1]"),
        ({"added": [{"image": "a.jpg", "box_px": [0, 0, 1, 1]}]}, "needs 'why'"),
        ({"added": [{"image": "a.jpg", "box_px": [0, 0, 1, 1], "why": "x", "truncated": "yes"}]}, "needs 'why'"),
    ],
)
def test_a_malformed_audit_names_the_file_the_entry_and_the_fix(tmp_path: Path, doc: object, says: str) -> None:
    path = tmp_path / "audit.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(AnnotationError, match="Fix:") as err:
        load_audit(path)
    assert str(path) in str(err.value) and says in str(err.value)


def test_a_box_outside_its_image_is_refused(tmp_path: Path) -> None:
    path = _audit(tmp_path, [{"image": "a.jpg", "box_px": [150, 50, 210, 90], "why": "unlabelled"}])
    with pytest.raises(AnnotationError, match=r"outside a.jpg \(200 × 100 px\).*Fix: give the box"):
        apply_audit(_data(), load_audit(path))


def test_the_bundled_aircraft_audit_adds_only_what_the_evaluation_labels_lack(airbus_dir: Path) -> None:
    from forcewatch.train.readers import read_annotations

    folder = model_path("aircraft").parent
    split = json.loads((folder / "split.json").read_text())
    audited_images = set(split["holdout"]) | set(split["val"])
    audit = load_audit(folder / "label_audit.json")
    assert audit.added and {a.image for a in audit.added} <= audited_images  # never a training image
    data = read_annotations(airbus_dir, "airbus", gsd_m=0.5).subset(audited_images)
    audited = apply_audit(data, audit)  # every box inside its image
    for before, after in zip(data.images, audited.images, strict=True):
        for added in after.objects[len(before.objects) :]:
            # a new object, not a second box on a labelled one
            assert all(box_iou(added.box_px, o.box_px) < 0.1 for o in before.objects), (before.name, added)
            at_edge = added.box_px[0] <= 2 or added.box_px[1] <= 2
            at_edge |= added.box_px[2] >= before.width_px - 2 or added.box_px[3] >= before.height_px - 2
            assert added.truncated == at_edge, (before.name, added)  # edge-cut exactly when at an edge
