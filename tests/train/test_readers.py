from __future__ import annotations

import json
from pathlib import Path

import pytest

from forcewatch.errors import AnnotationError
from forcewatch.train.annotations import ObjectLabel, box_iou, merge_duplicates
from forcewatch.train.readers import read_annotations
from tests.conftest import write_png


def _airbus(tmp_path: Path, rows: list[str]) -> Path:
    write_png(tmp_path / "a.jpg", 200, 100)
    (tmp_path / "annotations.csv").write_text("id,image_id,geometry,class\n" + "\n".join(rows) + "\n")
    return tmp_path


def test_airbus_reads_boxes_and_maps_classes(tmp_path: Path) -> None:
    d = _airbus(
        tmp_path,
        [
            '1,a.jpg,"[(10, 20), (40, 20), (40, 50), (10, 50), (10, 20)]",Airplane',
            '2,a.jpg,"[(180, 0), (230, 0), (230, 30), (180, 30), (180, 0)]",Truncated_airplane',
        ],
    )
    ds = read_annotations(d, "airbus", gsd_m=0.5)
    (im,) = ds.images
    assert (im.width_px, im.height_px, im.gsd_m) == (200, 100, 0.5)
    assert [o.class_name for o in im.objects] == ["aircraft", "aircraft"]
    assert im.objects[0].box_px == (10, 20, 40, 50)
    assert im.objects[1].box_px == (180, 0, 200, 30)  # clipped to the image
    assert im.objects[1].truncated and not im.objects[0].truncated


def test_airbus_merges_duplicates_and_says_how_many(tmp_path: Path) -> None:
    d = _airbus(
        tmp_path,
        [
            '1,a.jpg,"[(10, 20), (40, 20), (40, 50), (10, 50)]",Airplane',
            '2,a.jpg,"[(11, 20), (40, 21), (40, 50), (11, 50)]",Airplane',
            '3,a.jpg,"[(100, 20), (140, 20), (140, 50), (100, 50)]",Airplane',
        ],
    )
    ds = read_annotations(d, "airbus", gsd_m=0.5)
    assert ds.merged_duplicates == 1
    assert ds.object_count == 2
    assert "merged 1 duplicated labels" in ds.notes[0]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('1,a.jpg,"[(300, 20), (340, 20), (340, 50), (300, 50)]",Airplane', "outside the image"),
        ('1,b.jpg,"[(10, 20), (40, 20), (40, 50), (10, 50)]",Airplane', "image 'b.jpg' not found"),
        ('1,a.jpg,"[(10, 20), (x, 20), (40, 50)]",Airplane', "not a list of (x, y) pixel pairs"),
        ('1,a.jpg,"[(10, 20), (40, 20), (40, 50), (10, 50)]",Tank', "unknown class 'Tank'"),
    ],
)
def test_airbus_errors_name_file_line_and_fix(tmp_path: Path, row: str, message: str) -> None:
    d = _airbus(tmp_path, ['1,a.jpg,"[(1, 2), (5, 2), (5, 6), (1, 6)]",Airplane', row])
    with pytest.raises(AnnotationError) as err:
        read_annotations(d, "airbus", gsd_m=0.5, classes=["aircraft"])
    text = str(err.value)
    assert message in text
    assert "annotations.csv, line 3" in text
    assert "Fix:" in text


def _coco(tmp_path: Path, annotations: list[dict[str, object]]) -> Path:
    write_png(tmp_path / "img1.png", 64, 48)
    doc = {
        "images": [{"id": 1, "file_name": "img1.png", "width": 64, "height": 48}],
        "categories": [{"id": 7, "name": "plane"}, {"id": 8, "name": "tank"}],
        "annotations": annotations,
    }
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(doc))
    return path


def test_coco_reads_xywh_boxes(tmp_path: Path) -> None:
    path = _coco(tmp_path, [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [4, 5, 10, 20]}])
    ds = read_annotations(path, "coco")
    assert ds.images[0].objects == (ObjectLabel("aircraft", (4, 5, 14, 25)),)
    assert ds.classes == ("aircraft",)  # classes that have labels


@pytest.mark.parametrize(
    ("ann", "message"),
    [
        (
            {"id": 3, "image_id": 1, "category_id": 99, "bbox": [1, 1, 2, 2]},
            "unknown class: category_id 99",
        ),
        (
            {"id": 3, "image_id": 1, "category_id": 7, "bbox": [1, "wide", 2, 2]},
            "'wide', not a number",
        ),
        ({"id": 3, "image_id": 1, "category_id": 7, "bbox": [100, 1, 2, 2]}, "outside the image"),
        (
            {"id": 3, "image_id": 5, "category_id": 7, "bbox": [1, 1, 2, 2]},
            "image_id 5 is not in 'images'",
        ),
    ],
)
def test_coco_errors_name_the_record(tmp_path: Path, ann: dict[str, object], message: str) -> None:
    path = _coco(tmp_path, [ann])
    with pytest.raises(AnnotationError, match="annotations\\[0\\] \\(id 3\\)") as err:
        read_annotations(path, "coco")
    assert message in str(err.value)


def test_coco_missing_image(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"images": [{"id": 1, "file_name": "nope.png"}], "annotations": [], "categories": []}))
    with pytest.raises(AnnotationError, match=r"image 'nope\.png' not found"):
        read_annotations(path, "coco")


def test_coco_difficult_and_truncated_objects_are_both_difficult(tmp_path: Path) -> None:
    path = _coco(
        tmp_path,
        [
            {"id": 1, "image_id": 1, "category_id": 7, "bbox": [4, 5, 10, 20], "difficult": True},
            {"id": 2, "image_id": 1, "category_id": 7, "bbox": [30, 5, 10, 20], "truncated": 1},
            {"id": 3, "image_id": 1, "category_id": 7, "bbox": [50, 5, 10, 20]},
        ],
    )
    assert [o.truncated for o in read_annotations(path, "coco").images[0].objects] == [True, True, False]


def test_labels_kept_apart_from_their_images_find_them_in_the_image_folder(tmp_path: Path) -> None:
    imagery = tmp_path / "imagery"
    imagery.mkdir()
    path = _coco(imagery, [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [4, 5, 10, 20]}])
    labels = tmp_path / "labels" / "planes.json"
    labels.parent.mkdir()
    labels.write_text(path.read_text())
    path.unlink()
    with pytest.raises(AnnotationError, match=r"image 'img1\.png' not found"):
        read_annotations(labels, "coco")
    ds = read_annotations(labels, "coco", image_dir=imagery)
    assert ds.images[0].image_path == imagery / "img1.png"
    assert ds.images[0].objects == (ObjectLabel("aircraft", (4, 5, 14, 25)),)


def test_an_image_folder_is_refused_where_the_format_cannot_use_it_or_it_is_missing(tmp_path: Path) -> None:
    path = _coco(tmp_path, [])
    with pytest.raises(AnnotationError, match="cannot be used with yolo labels") as err:
        read_annotations(tmp_path, "yolo", image_dir=tmp_path)
    assert "airbus, coco, voc" in str(err.value)
    with pytest.raises(AnnotationError, match="no such folder of images") as err:
        read_annotations(path, "coco", image_dir=tmp_path / "nowhere")
    assert "nowhere" in str(err.value) and "Fix:" in str(err.value)


def test_dota_reads_rotated_boxes_and_gsd_header(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "labelTxt").mkdir()
    write_png(tmp_path / "images" / "P0001.png", 100, 80)
    (tmp_path / "labelTxt" / "P0001.txt").write_text(
        "imagesource:GoogleEarth\ngsd:0.146343590398\n"
        "10 20 30 10 40 30 20 40 plane 0\n"
        "50 50 60 50 60 60 50 60 small-vehicle 1\n"
    )
    ds = read_annotations(tmp_path, "dota")
    (im,) = ds.images
    assert im.gsd_m == pytest.approx(0.146343590398)
    assert im.objects[0].class_name == "aircraft"
    assert im.objects[0].box_px == (10, 10, 40, 40)
    assert im.objects[0].polygon_px == ((10, 20), (30, 10), (40, 30), (20, 40))
    assert im.objects[1].truncated  # DOTA's difficult flag


def test_dota_non_numeric_coordinate(tmp_path: Path) -> None:
    write_png(tmp_path / "P1.png", 100, 80)
    (tmp_path / "P1.txt").write_text("10 20 30 ten 40 30 20 40 plane 0\n")
    with pytest.raises(AnnotationError, match=r"P1.txt, line 1: coordinate 4 is 'ten', not a number"):
        read_annotations(tmp_path, "dota")


def test_yolo_reads_normalised_boxes(tmp_path: Path) -> None:
    write_png(tmp_path / "m.png", 200, 100)
    (tmp_path / "classes.names").write_text("car\ntruck\n")
    (tmp_path / "m.txt").write_text("0 0.5 0.5 0.1 0.2\n1 0.25 0.25 0.1 0.1\n")
    ds = read_annotations(tmp_path, "yolo", gsd_m=0.13)
    objs = ds.images[0].objects
    assert objs[0] == ObjectLabel("car", pytest.approx((90, 40, 110, 60)))  # type: ignore[arg-type]
    assert objs[1].class_name == "truck"


def test_yolo_unknown_class_id(tmp_path: Path) -> None:
    write_png(tmp_path / "m.png", 200, 100)
    (tmp_path / "classes.names").write_text("car\n")
    (tmp_path / "m.txt").write_text("0 0.5 0.5 0.1 0.2\n3 0.5 0.5 0.1 0.2\n")
    with pytest.raises(AnnotationError, match=r"m.txt, line 2: unknown class id '3'.*use 0..0 \(car\)"):
        read_annotations(tmp_path, "yolo")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match="use one of airbus, coco, dota, voc, yolo"):
        read_annotations(tmp_path, "kitti")


def test_merge_duplicates_keeps_distinct_classes() -> None:
    a = ObjectLabel("aircraft", (0, 0, 10, 10))
    b = ObjectLabel("vehicle", (0, 0, 10, 10))
    c = ObjectLabel("aircraft", (0.5, 0, 10, 10))
    kept, merged = merge_duplicates([a, b, c])
    assert merged == 1 and len(kept) == 2
    assert box_iou(kept[0].box_px, (0.25, 0, 10, 10)) == pytest.approx(1.0)


def test_real_airbus_labels_merge_the_known_duplicates(airbus_dir: Path) -> None:
    ds = read_annotations(airbus_dir, "airbus", gsd_m=0.5)
    assert len(ds.images) == 95
    assert ds.merged_duplicates == 123  # as documented in ../shared/data/README.md
    assert ds.object_count == 3208 - 123
