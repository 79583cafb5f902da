"""The Pascal VOC XML reader: both layouts, 1-based boxes, difficult/truncated, and every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcewatch.errors import AnnotationError
from forcewatch.train.readers import read_annotations
from tests.conftest import write_png


def _obj(name: str = "car", box: tuple[object, ...] = (11, 21, 40, 50), difficult: str = "0", extra: str = "") -> str:
    xmin, ymin, xmax, ymax = box
    return (
        f"<object><name>{name}</name><difficult>{difficult}</difficult>{extra}"
        f"<bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>"
    )


def _xml(filename: str | None = "a.png", objects: str = "", size: tuple[int, int] | None = (100, 80)) -> str:
    head = f"<filename>{filename}</filename>" if filename else ""
    if size:
        head += f"<size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>"
    return f"<annotation>{head}{objects}</annotation>"


def _flat(tmp_path: Path, xml: str, name: str = "a") -> Path:
    write_png(tmp_path / f"{name}.png", 100, 80)
    (tmp_path / f"{name}.xml").write_text(xml)
    return tmp_path


def test_voc_reads_boxes_difficult_and_empty_images(tmp_path: Path) -> None:
    objects = (
        _obj()
        + _obj("truck", (50, 10, 90, 30), difficult="1")
        + _obj("car", (1, 1, 20, 20), extra="<truncated>1</truncated>")
    )
    _flat(tmp_path, _xml(objects=objects))
    _flat(tmp_path, _xml("b.png"), "b")  # no objects: an empty chip
    data = read_annotations(tmp_path, "voc", gsd_m=0.3, class_map={"truck": "vehicle", "car": "vehicle"})
    assert data.format == "voc" and data.classes == ("vehicle",)
    a, b = data.images
    assert a.name == "a.png" and (a.width_px, a.height_px) == (100, 80) and a.gsd_m == 0.3
    assert [o.box_px for o in a.objects] == [(10.0, 20.0, 40.0, 50.0), (49.0, 9.0, 90.0, 30.0), (0.0, 0.0, 20.0, 20.0)]
    assert [o.truncated for o in a.objects] == [False, True, True]
    assert b.objects == ()


def test_voc_layout_annotations_and_jpegimages(tmp_path: Path) -> None:
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "JPEGImages").mkdir()
    write_png(tmp_path / "JPEGImages" / "x.png", 100, 80)
    (tmp_path / "Annotations" / "x.xml").write_text(_xml(None, _obj(), size=None))  # image found by the stem
    data = read_annotations(tmp_path, "voc")
    assert data.images[0].image_path == tmp_path / "JPEGImages" / "x.png"
    assert data.classes == ("car",)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<annotation><filename>a.png", r"a.xml, line 1: not valid XML.*Fix: repair the file"),
        ("<doc/>", r"root element is <doc>, not <annotation>"),
        (_xml("missing.png"), r"<filename>: image 'missing.png' not found.*Fix: put the image there"),
        (_xml(size=(200, 80)), r"<size>: <size> says 200×80 px but the image is 100×80 px"),
        (_xml(objects=_obj("")), r"object 1: <name> is missing or empty. Fix: give the object's class"),
        (_xml(objects=_obj() + "<object><name>car</name></object>"), r"object 2 \(car\): no <bndbox>"),
        (_xml(objects=_obj(box=(1, 2, "ten", 4))), r"object 1 \(car\): <bndbox><xmax> is 'ten', not a number"),
        (_xml(objects=_obj(box=(30, 2, 20, 40))), r"object 1 \(car\): box .* is empty.*Fix: fix the coordinates"),
        (_xml(objects=_obj(box=(150, 2, 190, 40))), r"object 1 \(car\): box .* lies outside the image \(100×80 px\)"),
        (_xml(objects=_obj(difficult="yes")), r"object 1 \(car\): <difficult> is 'yes', expected 0 or 1"),
        (
            _xml(objects=_obj() + _obj("tank")),
            r"object 2 \(tank\): unknown class 'tank'. Fix: use one of car, or map it with --class-map tank=NAME",
        ),
    ],
)
def test_voc_errors_name_file_object_field_and_fix(tmp_path: Path, xml: str, message: str) -> None:
    _flat(tmp_path, xml)
    with pytest.raises(AnnotationError, match=message) as err:
        read_annotations(tmp_path, "voc", classes=["car"])
    assert str(err.value).startswith(str(tmp_path / "a.xml"))


def test_voc_missing_bndbox_field(tmp_path: Path) -> None:
    obj = "<object><name>car</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax></bndbox></object>"
    _flat(tmp_path, _xml(objects=obj))
    with pytest.raises(AnnotationError, match=r"object 1 \(car\): <bndbox> has no <ymax>. Fix: add <ymax>"):
        read_annotations(tmp_path, "voc")


def test_voc_folder_without_xml(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match="no Pascal VOC .xml file found. Fix: put NAME.xml beside NAME.jpg"):
        read_annotations(tmp_path, "voc")
