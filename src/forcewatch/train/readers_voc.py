"""Pascal VOC XML annotations (as LabelImg, CVAT and Roboflow write them) → image labels.

Layouts: a folder of ``NAME.xml`` beside the images, or the VOC layout ``Annotations/`` +
``JPEGImages/``; or one ``.xml`` file. Each ``<object>`` has a ``<name>`` and a ``<bndbox>`` with
``xmin``, ``ymin``, ``xmax``, ``ymax`` in VOC's 1-based pixel indices (``xmin = 1`` is the first
column; read as the 0-based edges ``xmin − 1 … xmax``). ``<difficult>1`` and ``<truncated>1`` mark
the object *difficult*, as the other readers do for objects cut by the image edge: evaluation
neither counts nor penalises it. A file without ``<object>`` is an image without objects (a hard
negative for fine-tuning).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from forcewatch.errors import AnnotationError
from forcewatch.train.annotations import ImageLabels, ObjectLabel
from forcewatch.train.reader_checks import IMAGE_SUFFIXES, ReadContext, checked_box, find_image, image_size, number

BOX_FIELDS = ("xmin", "ymin", "xmax", "ymax")


def voc_layout(path: Path) -> tuple[list[Path], list[Path]]:
    """(XML files, folders to look for their images in) for a VOC folder or file."""
    if path.is_file():
        return [path], [path.parent, path.parent.parent / "JPEGImages", path.parent / "images"]
    if (path / "Annotations").is_dir():
        return sorted((path / "Annotations").glob("*.xml")), [path / "JPEGImages", path / "images", path]
    return sorted(path.glob("*.xml")), [path, path / "images"]


def read_voc(path: Path, ctx: ReadContext) -> list[ImageLabels]:
    """Every image of a VOC dataset with its objects (images without an XML file are not labelled)."""
    xml_files, dirs = voc_layout(path)
    if not xml_files:
        raise AnnotationError(
            path,
            "no Pascal VOC .xml file found",
            "put NAME.xml beside NAME.jpg, or use Annotations/ + JPEGImages/",
        )
    return [read_voc_file(xml, ctx.image_dirs(dirs), ctx) for xml in xml_files]


def _root(xml: Path) -> ET.Element:
    try:
        root = ET.parse(xml).getroot()
    except ET.ParseError as exc:
        raise AnnotationError(xml, f"not valid XML ({exc})", "repair the file", line=exc.position[0]) from None
    if root.tag != "annotation":
        raise AnnotationError(xml, f"root element is <{root.tag}>, not <annotation>", "give a Pascal VOC file")
    return root


def _image_path(xml: Path, root: ET.Element, dirs: list[Path]) -> Path:
    name = (root.findtext("filename") or "").strip()
    if name:
        return find_image(name, dirs, xml, None, "<filename>")
    for d in dirs:
        for suffix in IMAGE_SUFFIXES:
            candidate = d / (xml.stem + suffix)
            if candidate.is_file():
                return candidate
    raise AnnotationError(
        xml,
        f"no <filename> and no image named {xml.stem}.* (looked in {', '.join(str(d) for d in dirs)})",
        "add <filename>NAME.jpg</filename> or put the image beside the file",
    )


def _check_size(xml: Path, root: ET.Element, size: tuple[int, int]) -> None:
    """A stated ``<size>`` must be the image's (0 or absent: not stated)."""
    node = root.find("size")
    if node is None:
        return
    stated = []
    for field in ("width", "height"):
        text = (node.findtext(field) or "0").strip()
        stated.append(number(text, xml, None, f"<size><{field}>", f"<size><{field}>"))
    if all(stated) and (round(stated[0]), round(stated[1])) != size:
        raise AnnotationError(
            xml,
            f"<size> says {stated[0]:g}×{stated[1]:g} px but the image is {size[0]}×{size[1]} px",
            "label the image as it is (a resized image needs its boxes scaled), or correct <size>",
            record="<size>",
        )


def _flag(obj: ET.Element, field: str, xml: Path, record: str) -> bool:
    text = (obj.findtext(field) or "0").strip()
    if text not in ("0", "1"):
        raise AnnotationError(
            xml, f"<{field}> is {text!r}, expected 0 or 1", f"write <{field}>0</{field}> or 1", record=record
        )
    return text == "1"


def _object(obj: ET.Element, index: int, xml: Path, size: tuple[int, int], ctx: ReadContext) -> ObjectLabel:
    raw = (obj.findtext("name") or "").strip()
    record = f"object {index}" + (f" ({raw})" if raw else "")
    if not raw:
        raise AnnotationError(xml, "<name> is missing or empty", "give the object's class in <name>", record=record)
    box_node = obj.find("bndbox")
    if box_node is None:
        raise AnnotationError(
            xml, "no <bndbox>", "give <bndbox> with <xmin>, <ymin>, <xmax>, <ymax> in pixels", record=record
        )
    values = []
    for field in BOX_FIELDS:
        text = box_node.findtext(field)
        if text is None:
            raise AnnotationError(xml, f"<bndbox> has no <{field}>", f"add <{field}> (pixels)", record=record)
        values.append(number(text.strip(), xml, None, record, f"<bndbox><{field}>"))
    x0, y0, x1, y1 = values
    box = checked_box((x0 - 1, y0 - 1, x1, y1), size, xml, None, record)
    hard = _flag(obj, "difficult", xml, record) | _flag(obj, "truncated", xml, record)
    return ObjectLabel(ctx.class_name(raw, xml, None, record), box, truncated=hard)


def read_voc_file(xml: Path, dirs: list[Path], ctx: ReadContext) -> ImageLabels:
    """One VOC file: its image (found in ``dirs``), size checked, and its objects."""
    root = _root(xml)
    image = _image_path(xml, root, dirs)
    size = image_size(image, xml, None, "<filename>")
    _check_size(xml, root, size)
    objs = tuple(_object(obj, i, xml, size, ctx) for i, obj in enumerate(root.iter("object"), start=1))
    return ImageLabels(image, *size, objs, ctx.gsd_m)
