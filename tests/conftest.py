"""Shared fixtures: the real data in ../shared/data (skipped with a reason when absent, but
required under CI), and small images generated in code."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

# wide, plain rich output so that CLI tests can read whole table rows
os.environ["COLUMNS"] = "200"
os.environ.setdefault("NO_COLOR", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FORCEWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
AIRBUS = SHARED_DATA / "airbus-aircraft"
PLANET = SHARED_DATA / "planet-scenes"


def need_shared(path: Path) -> Path:
    """``path`` inside ../shared/data, or skip (fail under CI, where it must be present)."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing, and CI must run the tests that need ../shared/data")
        pytest.skip(f"needs {path} (../shared/data is not beside this checkout)")
    return path


@pytest.fixture
def airbus_dir() -> Path:
    return need_shared(AIRBUS)


@pytest.fixture
def planet_dir() -> Path:
    """The 4 PlanetScope airport scenes (3 m), labelled in the aircraft model's planetscope_labels.json."""
    return need_shared(PLANET)


@pytest.fixture
def airbus_image(airbus_dir: Path) -> Path:
    """A held-out Airbus image with 27 labelled whole aircraft (never used in training)."""
    return airbus_dir / "train" / "7ab2461e-fad4-4d90-a260-8317bbc4e958.jpg"


def labelled_count(airbus_dir: Path, image: Path) -> int:
    """Whole (not truncated) aircraft labelled in an Airbus image, duplicates merged."""
    from forcewatch.train.readers import read_annotations

    data = read_annotations(airbus_dir, "airbus", gsd_m=0.5).subset({image.name})
    return sum(not o.truncated for o in data.images[0].objects)


def write_png(path: Path, width: int, height: int, seed: int = 0) -> Path:
    import cv2

    rng = np.random.default_rng(seed)
    cv2.imwrite(str(path), rng.integers(0, 255, (height, width, 3), dtype=np.uint8))
    return path


SHARED_FIXTURES = {"airbus_dir", "airbus_image", "planet_dir"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that reads ../shared/data ``shared_data`` (by its fixtures, or a call of
    :func:`need_shared` in its body), so that ``-m "not shared_data"`` selects the rest."""
    import inspect

    for item in items:
        fn = getattr(item, "function", None)
        uses = SHARED_FIXTURES & set(getattr(item, "fixturenames", ()))
        if not uses and fn is not None:
            try:
                uses = {"need_shared"} if "need_shared(" in inspect.getsource(fn) else set()
            except (OSError, TypeError):
                uses = set()
        if uses:
            item.add_marker(pytest.mark.shared_data)
