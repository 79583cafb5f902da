"""bench/brief_scale.py's watchlist of 30 sites × 3 dates (random texture, the worst case for chip
size; every fifth site changed): its brief leads with the 6 sites that changed, gives the other 24
their own pages, and its main file stays small (the one-file brief of the same workspace, PNG chips
of every site, was about 170 MB)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from forcewatch.app.report import write_brief
from forcewatch.app.workspace import open_workspace

BENCH = Path(__file__).resolve().parents[2] / "bench" / "brief_scale.py"


def bench_brief_scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_brief_scale", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_brief_of_30_sites_leads_with_what_changed_and_stays_small(tmp_path: Path) -> None:
    bench = bench_brief_scale()
    assert bench.build_watchlist(tmp_path / "ws", 30, "random", 5) == "random texture"
    with open_workspace(tmp_path / "ws") as store:
        result = write_brief(store, tmp_path / "brief.html")
        assert len(store.sites()) == 30
    html = result.path.read_text()
    assert "Watchlist: 30 sites, 6 with change or alerts" in html
    assert html.count('<section class="site"') == 6 and result.page_count == 24
    assert re.findall(r'<img class="chip" src="data:image/(\w+);', html) == ["jpeg"] * 18  # 6 sites × 3 dates
    assert result.size_bytes < 8_000_000  # 4.3 MB measured
    assert result.pages is not None and len(list(result.pages.glob("*.html"))) == 24
    assert result.pages_bytes < 24 * 1_500_000  # 0.8 MB a page measured
    changed = re.findall(r'<tr class="flagged"><td><a href="#site-\d+">(Site \d+)</a>', html)
    assert changed == [f"Site {i:04d}" for i in range(0, 30, 5)]
