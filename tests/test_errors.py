"""Errors that name a pip extra name one that exists."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO


def test_every_extra_an_error_names_exists() -> None:
    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    named = {
        m.group(1)
        for path in (REPO / "src" / "forcewatch").rglob("*.py")
        for m in re.finditer(r'MissingExtraError\(\s*"[^"]+",\s*"([^"]+)"', path.read_text(encoding="utf-8"))
    }
    assert named, "the scan found no MissingExtraError call: the pattern is stale"
    assert named <= extras, f"errors name extras that pyproject.toml does not define: {sorted(named - extras)}"
