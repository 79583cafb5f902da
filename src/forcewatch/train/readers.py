"""Annotation readers: Airbus CSV, COCO JSON, DOTA text, Pascal VOC XML, YOLO text → :class:`AnnotationSet`.

Every reader checks what it reads and raises :class:`AnnotationError` naming the file, the line
or record, the value and the fix: box outside the image, unknown class, missing image,
non-numeric field.
"""

from __future__ import annotations

import ast
import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from forcewatch.errors import AnnotationError
from forcewatch.train.annotations import AnnotationSet, ImageLabels, ObjectLabel, merge_duplicates
from forcewatch.train.reader_checks import (
    DROP,
    IMAGE_SUFFIXES,
    ReadContext,
    checked_box,
    find_image,
    image_size,
    number,
)
from forcewatch.train.readers_voc import read_voc

FORMATS = ("airbus", "coco", "dota", "voc", "yolo")
#: The formats whose labels name their images, so that the images may lie in a folder of their own.
IMAGE_DIR_FORMATS = ("airbus", "coco", "voc")


def read_annotations(
    path: Path,
    fmt: str,
    *,
    gsd_m: float | None = None,
    classes: Iterable[str] | None = None,
    class_map: dict[str, str] | None = None,
    merge_iou: float = 0.8,
    image_dir: Path | None = None,
) -> AnnotationSet:
    """Read a labelled dataset in format ``fmt`` (one of :data:`FORMATS`).

    ``gsd_m`` is the imagery's ground sample distance where the format does not carry it.
    ``classes`` restricts the accepted classes (others are an error); ``class_map`` renames
    classes (``{"plane": "aircraft"}``) after the default aliases; a class mapped to ``-`` is
    dropped (its objects are left unlabelled: background). Duplicated labels (same
    class, IoU above ``merge_iou``) are merged and counted in ``merged_duplicates``.
    """
    readers: dict[str, Callable[[Path, ReadContext], list[ImageLabels]]] = {
        "airbus": _read_airbus,
        "coco": _read_coco,
        "dota": _read_dota,
        "voc": read_voc,
        "yolo": _read_yolo,
    }
    if fmt not in readers:
        raise AnnotationError(path, f"unknown annotation format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    if not path.exists():
        raise AnnotationError(path, "no such file or directory", "give the dataset's path")
    if image_dir is not None and fmt not in IMAGE_DIR_FORMATS:
        raise AnnotationError(
            path,
            f"a separate image folder ({image_dir}) cannot be used with {fmt} labels",
            f"{fmt} labels find their images beside them; a separate folder works for {', '.join(IMAGE_DIR_FORMATS)}",
        )
    if image_dir is not None and not image_dir.is_dir():
        raise AnnotationError(image_dir, "no such folder of images", "give the folder that holds the labelled images")
    ctx = ReadContext(gsd_m, set(classes) if classes else None, class_map or {}, image_dir)
    images = readers[fmt](path, ctx)
    dropped = sum(o.class_name == DROP for im in images for o in im.objects)
    images = [replace(im, objects=tuple(o for o in im.objects if o.class_name != DROP)) for im in images]
    merged_total = 0
    merged_images: list[ImageLabels] = []
    for im in images:
        objs, merged = merge_duplicates(list(im.objects), merge_iou)
        merged_total += merged
        merged_images.append(ImageLabels(im.image_path, im.width_px, im.height_px, tuple(objs), im.gsd_m))
    found = sorted({o.class_name for im in merged_images for o in im.objects})
    notes: tuple[str, ...] = ()
    if merged_total:
        touched = sum(len(a.objects) != len(b.objects) for a, b in zip(images, merged_images, strict=True))
        notes = (f"merged {merged_total} duplicated labels (same class, IoU > {merge_iou}) in {touched} images",)
    if dropped:
        notes = (*notes, f"dropped {dropped} labels of classes mapped to {DROP!r} (left as background)")
    return AnnotationSet(
        source=path,
        format=fmt,
        classes=tuple(sorted(ctx.allowed)) if ctx.allowed else tuple(found),
        images=tuple(merged_images),
        merged_duplicates=merged_total,
        notes=notes,
    )


def _read_airbus(path: Path, ctx: ReadContext) -> list[ImageLabels]:
    csv_path = path / "annotations.csv" if path.is_dir() else path
    if not csv_path.is_file():
        raise AnnotationError(path, "no annotations.csv here", "give the CSV or its folder")
    base = csv_path.parent
    dirs = ctx.image_dirs([base, base / "train", base / "images"])
    by_image: dict[str, list[ObjectLabel]] = {}
    sizes: dict[str, tuple[Path, tuple[int, int]]] = {}
    with csv_path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"image_id", "geometry", "class"} - set(reader.fieldnames or [])
        if missing:
            raise AnnotationError(
                csv_path,
                f"missing columns {sorted(missing)}",
                "the header must be id,image_id,geometry,class",
                line=1,
            )
        for line_no, row in enumerate(reader, start=2):
            name = row["image_id"]
            if name not in sizes:
                img = find_image(name, dirs, csv_path, line_no, None)
                sizes[name] = (img, image_size(img, csv_path, line_no, None))
            try:
                points = ast.literal_eval(row["geometry"])
                xs = [float(p[0]) for p in points]
                ys = [float(p[1]) for p in points]
            except (ValueError, SyntaxError, TypeError, IndexError):
                raise AnnotationError(
                    csv_path,
                    f"geometry {row['geometry']!r} is not a list of (x, y) pixel pairs",
                    'write it as "[(x0, y0), (x1, y1), ...]"',
                    line=line_no,
                ) from None
            if len(xs) < 3:
                raise AnnotationError(
                    csv_path,
                    "polygon has fewer than 3 points",
                    "give the object's outline",
                    line=line_no,
                )
            raw_class = row["class"]
            box = checked_box((min(xs), min(ys), max(xs), max(ys)), sizes[name][1], csv_path, line_no, None)
            by_image.setdefault(name, []).append(
                ObjectLabel(
                    ctx.class_name(raw_class, csv_path, line_no, None),
                    box,
                    tuple(zip(xs, ys, strict=True)),
                    truncated=raw_class.lower().startswith("truncated"),
                )
            )
    return [ImageLabels(sizes[n][0], *sizes[n][1], tuple(objs), ctx.gsd_m) for n, objs in sorted(by_image.items())]


def _read_coco(path: Path, ctx: ReadContext) -> list[ImageLabels]:
    if path.is_dir():
        candidates = sorted(path.glob("*.json"))
        if len(candidates) != 1:
            raise AnnotationError(
                path,
                f"expected one COCO .json here, found {len(candidates)}",
                "give the JSON file itself",
            )
        path = candidates[0]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AnnotationError(path, f"not valid JSON ({exc.msg})", "repair the file", line=exc.lineno) from None
    for key in ("images", "annotations", "categories"):
        if not isinstance(doc.get(key), list):
            raise AnnotationError(path, f"no {key!r} list", "a COCO file has images, annotations and categories")
    cats: dict[int, str] = {}
    for i, cat in enumerate(doc["categories"]):
        try:
            cats[int(cat["id"])] = ctx.class_name(str(cat["name"]), path, None, f"categories[{i}]")
        except (KeyError, TypeError, ValueError):
            raise AnnotationError(
                path,
                "category without id and name",
                "give each category an id and a name",
                record=f"categories[{i}]",
            ) from None
    dirs = ctx.image_dirs([path.parent, path.parent / "images"])
    images: dict[int, tuple[Path, tuple[int, int]]] = {}
    for i, im in enumerate(doc["images"]):
        rec = f"images[{i}]"
        if "file_name" not in im or "id" not in im:
            raise AnnotationError(path, "image without id or file_name", "give both", record=rec)
        img = find_image(str(im["file_name"]), dirs, path, None, rec)
        images[int(im["id"])] = (img, image_size(img, path, None, rec))
    objs: dict[int, list[ObjectLabel]] = {k: [] for k in images}
    for i, ann in enumerate(doc["annotations"]):
        rec = f"annotations[{i}] (id {ann.get('id')})"
        image_id = ann.get("image_id")
        if image_id not in images:
            raise AnnotationError(
                path,
                f"image_id {image_id!r} is not in 'images'",
                "add the image or drop the annotation",
                record=rec,
            )
        if ann.get("category_id") not in cats:
            raise AnnotationError(
                path,
                f"unknown class: category_id {ann.get('category_id')!r}",
                f"use one of the category ids {sorted(cats)}",
                record=rec,
            )
        bbox = ann.get("bbox")
        if not isinstance(bbox, list) or len(bbox) != 4:
            raise AnnotationError(
                path,
                f"bbox {bbox!r} is not [x, y, width, height]",
                "write four numbers",
                record=rec,
            )
        x, y, w, h = (number(v, path, None, rec, "bbox value") for v in bbox)
        box = checked_box((x, y, x + w, y + h), images[image_id][1], path, None, rec)
        hard = bool(ann.get("truncated", False)) or bool(ann.get("difficult", False))  # as the VOC reader reads them
        objs[image_id].append(ObjectLabel(cats[ann["category_id"]], box, truncated=hard))
    return [ImageLabels(images[k][0], *images[k][1], tuple(v), ctx.gsd_m) for k, v in sorted(objs.items())]


def _label_dirs(path: Path, label_dir: str) -> tuple[Path, Path]:
    """(images folder, labels folder): ``images/`` + ``label_dir/`` or both in ``path``."""
    if (path / "images").is_dir() and (path / label_dir).is_dir():
        return path / "images", path / label_dir
    return path, path


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def _read_dota(path: Path, ctx: ReadContext) -> list[ImageLabels]:
    img_dir, lab_dir = _label_dirs(path, "labelTxt")
    out: list[ImageLabels] = []
    for img in _images_in(img_dir):
        txt = lab_dir / (img.stem + ".txt")
        if not txt.is_file():
            continue
        size = image_size(img, txt, None, None)
        gsd = ctx.gsd_m
        objs: list[ObjectLabel] = []
        for line_no, raw in enumerate(txt.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            if line.lower().startswith("imagesource"):
                continue
            if line.lower().startswith("gsd"):
                value = line.split(":", 1)[1].strip() if ":" in line else ""
                if value.lower() not in ("", "none", "null"):
                    gsd = number(value, txt, line_no, None, "gsd")
                continue
            parts = line.split()
            if len(parts) < 9:
                raise AnnotationError(
                    txt,
                    f"{len(parts)} fields, expected 8 coordinates, a class and a difficulty",
                    "write 'x1 y1 x2 y2 x3 y3 x4 y4 class difficult'",
                    line=line_no,
                )
            coords = [number(v, txt, line_no, None, f"coordinate {i + 1}") for i, v in enumerate(parts[:8])]
            xs, ys = coords[0::2], coords[1::2]
            box = checked_box((min(xs), min(ys), max(xs), max(ys)), size, txt, line_no, None)
            objs.append(
                ObjectLabel(
                    ctx.class_name(parts[8], txt, line_no, None),
                    box,
                    tuple(zip(xs, ys, strict=True)),
                    truncated=len(parts) > 9 and parts[9] == "1",
                )
            )
        out.append(ImageLabels(img, *size, tuple(objs), gsd))
    if not out:
        raise AnnotationError(
            path,
            "no image with a DOTA label file found",
            "use images/ + labelTxt/ (same stem, .txt)",
        )
    return out


def _yolo_names(folder: Path) -> list[str]:
    for name in ("classes.names", "classes.txt", "obj.names"):
        f = folder / name
        if f.is_file():
            return [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    for name in ("data.yaml", "dataset.yaml"):
        f = folder / name
        if f.is_file():
            for ln in f.read_text(encoding="utf-8").splitlines():
                if ln.strip().startswith("names:") and "[" in ln:
                    return [n.strip().strip("'\"") for n in ln.split("[", 1)[1].rsplit("]", 1)[0].split(",")]
    raise AnnotationError(folder, "no class names file", "add classes.names (one class name a line)")


def _read_yolo(path: Path, ctx: ReadContext) -> list[ImageLabels]:
    img_dir, lab_dir = _label_dirs(path, "labels")
    names = _yolo_names(path)
    out: list[ImageLabels] = []
    for img in _images_in(img_dir):
        txt = lab_dir / (img.stem + ".txt")
        if not txt.is_file():
            continue
        w, h = image_size(img, txt, None, None)
        objs: list[ObjectLabel] = []
        for line_no, raw in enumerate(txt.read_text(encoding="utf-8").splitlines(), start=1):
            parts = raw.split()
            if not parts:
                continue
            if len(parts) != 5:
                raise AnnotationError(
                    txt,
                    f"{len(parts)} fields, expected 5",
                    "write 'class cx cy w h' (normalised)",
                    line=line_no,
                )
            cls_f = number(parts[0], txt, line_no, None, "class id")
            if cls_f != int(cls_f) or not 0 <= int(cls_f) < len(names):
                raise AnnotationError(
                    txt,
                    f"unknown class id {parts[0]!r}",
                    f"use 0..{len(names) - 1} ({', '.join(names)})",
                    line=line_no,
                )
            cx, cy, bw, bh = (
                number(v, txt, line_no, None, f) for v, f in zip(parts[1:], ("cx", "cy", "w", "h"), strict=True)
            )
            box = checked_box(
                ((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h),
                (w, h),
                txt,
                line_no,
                None,
            )
            objs.append(ObjectLabel(ctx.class_name(names[int(cls_f)], txt, line_no, None), box))
        out.append(ImageLabels(img, w, h, tuple(objs), ctx.gsd_m))
    if not out:
        raise AnnotationError(
            path,
            "no image with a YOLO label file found",
            "put NAME.txt beside NAME.png, or use images/ + labels/",
        )
    return out
