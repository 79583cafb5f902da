"""Alert rules: validation, evaluation, delivery once per channel, and a webhook that is down
(tests use a local HTTP server on 127.0.0.1 only)."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from shapely.geometry import box
from typer.testing import CliRunner

from forcewatch.assess.alerts import INCLUDED_SUFFIX, Rule, SiteEvidence, alerts_to_raise, evaluate_rule, load_rules
from forcewatch.cli import _register, app
from forcewatch.errors import InputError
from forcewatch.model import Site, StoredActivity, StoredCamp, StoredComparison
from tests.cli.test_change import _run, _scene

COMP = StoredComparison(
    id=1,
    site_id=1,
    earlier_observation=1,
    later_observation=2,
    earlier="2022-01-20T09:00:00Z",
    later="2022-02-10T09:00:00Z",
    shift_east_m=0.0,
    shift_north_m=0.0,
    residual_m=0.0,
    share_usable=1.0,
    summary={"aircraft": {"before": 6, "after": 15, "arrived": 9, "departed": 0, "stayed": 6, "not_observed": 0}},
    not_observable={},
    created="2022-02-11T00:00:00Z",
    validated={"aircraft": "aircraft-1m-v1 scored on real 0.5 m imagery (holdout)"},  # on both dates
)
#: COMP with its tents and vehicles validated too (e.g. by a fine-tuned model's real-imagery score)
ALL_VALIDATED = replace(COMP, validated={**COMP.validated, "tent": "scored", "vehicle": "scored"})


def camp(status: str, kind: str, tents: int, vehicles: int, area_m2: float, objects_before: int) -> StoredCamp:
    """A stored camp of COMP (no outline)."""
    return StoredCamp(
        1, COMP.id, 1, status, kind, tents + vehicles, tents, vehicles, objects_before, area_m2, 0.0, COMP.later, None
    )


def test_count_increase_rules() -> None:
    assert evaluate_rule(Rule("n", "count_increase", "aircraft", min_increase=5), "Luninets", COMP, [], None)
    assert evaluate_rule(Rule("n", "count_increase", "aircraft", min_increase=10), "Luninets", COMP, [], None) is None
    assert evaluate_rule(Rule("p", "count_increase", "aircraft", min_increase_pct=100), "L", COMP, [], None)  # +150 %
    assert (
        evaluate_rule(Rule("d", "count_increase", "aircraft", min_increase=1, within_days=7), "L", COMP, [], None)
        is None
    )
    near = Rule("k", "count_increase", "aircraft", min_increase=1, within_km_of="UKR", km=60)
    assert evaluate_rule(near, "L", COMP, [], 48.0) and evaluate_rule(near, "L", COMP, [], 75.0) is None
    assert evaluate_rule(Rule("a", "new_activity", min_area_ha=1.0), "L", COMP, [0.4, 1.3], None)
    assert evaluate_rule(Rule("a", "new_activity", min_area_ha=2.0), "L", COMP, [0.4, 1.3], None) is None


def test_new_camp_rule() -> None:
    camps = [camp("new", "tent camp", 40, 12, 21000.0, 0), camp("unchanged", "tent camp", 90, 0, 5e4, 88)]
    msg = evaluate_rule(Rule("tents", "new_camp", min_tents=10), "Yelsk", ALL_VALIDATED, [], None, camps)
    assert msg == (
        "tents: tent camp new at Yelsk: 40 tents, 12 vehicles on 2.10 ha (was 0 objects) "
        "between 2022-01-20 → 2022-02-10"
    )
    assert evaluate_rule(Rule("tents", "new_camp", min_tents=50), "Yelsk", ALL_VALIDATED, [], None, camps) is None
    park = [camp("new", "vehicle park", 0, 30, 9e3, 0)]
    assert evaluate_rule(Rule("tents", "new_camp", min_tents=1), "Yelsk", ALL_VALIDATED, [], None, park) is None
    # COMP validates aircraft only: the camp is made of unvalidated candidates, no alert …
    assert evaluate_rule(Rule("tents", "new_camp", min_tents=10), "Yelsk", COMP, [], None, camps) is None
    # … unless they are included, and then the alert says so
    included = evaluate_rule(Rule("tents", "new_camp", min_tents=10), "Yelsk", COMP, [], None, camps, True)
    assert included == msg + INCLUDED_SUFFIX


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  - when: new_camp", "new_camp needs min_tents"),
        ("rules: []", "non-empty 'rules:' list"),
        ("rules:\n  - when: count_up\n    class: aircraft", "when is 'count_up'. Fix: use one of count_increase"),
        ("rules:\n  - when: count_increase\n    class: aircraft", "give min_increase"),
        (
            "rules:\n  - when: count_increase\n    class: aircraft\n    min_increase: lots",
            "min_increase is 'lots', not a number",
        ),
        ("rules:\n  - when: new_activity\n    min_area_ha: 1\n    colour: red", "unknown field(s) ['colour']"),
        ("rules:\n  - when: new_activity\n    min_area_ha: 1\n    km: 50", "within_km_of and km go together"),
        ("rules: [\n", "not valid YAML"),
        (
            "rules:\n  - when: new_activity\n    min_area_ha: 1\ndeliver:\n  webhook: ftp://x",
            "give an http:// or https:// URL",
        ),
    ],
)
def test_malformed_rules_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_rules(path)
    assert message in str(err.value) and "alerts.yaml" in str(err.value)


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_alerts_are_delivered_once_and_queued_while_the_webhook_is_down(tmp_path: Path) -> None:
    _register()
    ws = tmp_path / "ws"
    assert CliRunner().invoke(app, ["init", str(ws), "--example", "ukraine-2022"]).exit_code == 0
    a = _scene(tmp_path / "a.tif", [0, 1], "2022-01-20T09:00:00Z")
    b = _scene(tmp_path / "b.tif", [0, 1, 2, 3, 4, 5, 6], "2022-02-10T09:00:00Z")
    for args in (["ingest", str(a), str(b)], ["scan", "--model", "aircraft"], ["compare", "Luninets airfield"]):
        _run(*args, "-w", str(ws))

    server = HTTPServer(("127.0.0.1", 0), _Hook)
    port = server.server_address[1]
    server.server_close()  # the port is known, the webhook is down
    rules = ws / "alerts.yaml"
    rules.write_text(
        "rules:\n  - name: build-up\n    when: count_increase\n    class: aircraft\n    min_increase: 3\n"
        "    within_days: 30\n    within_km_of: UKR\n    km: 100\n"
        f"deliver:\n  console: true\n  jsonl: alerts.jsonl\n  webhook: http://127.0.0.1:{port}/hook\n  retries: 2\n"
    )
    first = _run("alerts", "-w", str(ws)).output
    assert "ALERT build-up: aircraft at Luninets airfield" in first and "up from 2 to 7 (+5)" in first
    assert "queued, will retry" in first
    lines = (ws / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["rule"] == "build-up"

    server = HTTPServer(("127.0.0.1", port), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        second = _run("alerts", "-w", str(ws)).output
        third = _run("alerts", "-w", str(ws)).output
    finally:
        server.shutdown()
        server.server_close()
    assert "ALERT" not in second and "1 to the webhook" in second  # the queued one goes out, printed only once
    assert len(_Hook.received) == 1 and _Hook.received[0]["site"] == "Luninets airfield"
    assert "0 new alert(s)" in third and "0 to the webhook" in third
    assert len((ws / "alerts.jsonl").read_text().splitlines()) == 1  # each alert once


# ---- the alerts to raise, from values built in code (no store, no files)


def _site(name: str, fid: int) -> Site:
    return Site(name, box(26.7, 52.2, 26.9, 52.3), id=fid)


def _comparison(fid: int, site_id: int, before: int, after: int, later: str = COMP.later) -> StoredComparison:
    return replace(
        COMP,
        id=fid,
        site_id=site_id,
        later=later,
        summary={"aircraft": {**COMP.summary["aircraft"], "before": before, "after": after}},
    )


def test_alerts_to_raise_by_site_comparison_and_rule() -> None:
    luninets, yelsk = _site("Luninets", 1), _site("Yelsk", 2)
    outline = box(26.80, 52.25, 26.81, 52.26)
    evidence = [
        SiteEvidence(
            luninets,
            [_comparison(10, 1, 2, 7), _comparison(11, 1, 7, 7, later="2022-02-20T09:00:00Z")],
            activity=[
                StoredActivity(1, 10, 1, 13_000.0, 0.9, COMP.earlier, COMP.later, None),
                StoredActivity(2, 11, 1, 4_000.0, 0.9, COMP.earlier, COMP.later, None),
            ],
            camps=[replace(camp("new", "tent camp", 40, 12, 21000.0, 0), comparison_id=11, polygon=outline)],
            distances_km={"UKR": 48.0},
        ),
        SiteEvidence(yelsk, [_comparison(20, 2, 0, 9)], distances_km={"UKR": 140.0}),
    ]
    rules = (
        Rule("build-up", "count_increase", "aircraft", min_increase=3, within_km_of="UKR", km=100),
        Rule("activity", "new_activity", min_area_ha=1.0),
        Rule("tents", "new_camp", min_tents=10),
        Rule("yelsk only", "count_increase", "aircraft", min_increase=1, sites=("Yelsk",)),
    )
    # the tent camp (40 tents, 12 vehicles) is made of unvalidated candidates: raised only when included
    validated_only = alerts_to_raise(evidence, rules)
    assert [(a.site, a.comparison_id, a.rule) for a in validated_only] == [
        ("Luninets", 10, "build-up"),
        ("Luninets", 10, "activity"),
        ("Yelsk", 20, "yelsk only"),
    ]
    assert not any(a.payload["includes_unvalidated"] for a in validated_only)
    raised = alerts_to_raise(evidence, rules, include_unvalidated=True)
    assert [(a.site, a.comparison_id, a.rule) for a in raised] == [
        ("Luninets", 10, "build-up"),
        ("Luninets", 10, "activity"),
        ("Luninets", 11, "tents"),
        ("Yelsk", 20, "yelsk only"),  # 140 km from UKR: too far for build-up
    ]
    first = raised[0]
    assert first.message == (
        "build-up: aircraft at Luninets (48 km from UKR) up from 2 to 7 (+5) between 2022-01-20 → 2022-02-10"
    )
    assert list(first.payload) == [
        "rule",
        "site",
        "message",
        "earlier",
        "later",
        "classes",
        "new_activity_ha",
        "camps",
        "comparison_id",
        "validated",
        "includes_unvalidated",
    ]
    assert first.payload["validated"] == COMP.validated and first.payload["includes_unvalidated"] is False
    assert first.payload["new_activity_ha"] == [1.3] and first.payload["camps"] == []
    assert first.payload["classes"]["aircraft"]["after"] == 7 and first.payload["comparison_id"] == 10
    tents = raised[2]
    assert tents.message.endswith(INCLUDED_SUFFIX) and tents.payload["includes_unvalidated"] is True
    assert tents.payload["new_activity_ha"] == [0.4]
    assert tents.payload["camps"] == [
        {"status": "new", "kind": "tent camp", "tents": 40, "vehicles": 12, "area_m2": 21000.0, "wkt": outline.wkt}
    ]
    json.dumps([a.payload for a in raised])  # every payload is a JSON document
    assert alerts_to_raise([], rules) == [] and alerts_to_raise(evidence, ()) == []


def test_a_site_without_a_distance_never_fires_a_distance_rule() -> None:
    near = Rule("k", "count_increase", "aircraft", min_increase=1, within_km_of="BLR", km=60)
    evidence = [SiteEvidence(_site("L", 1), [_comparison(1, 1, 0, 5)], distances_km={"UKR": 10.0})]
    assert alerts_to_raise(evidence, [near]) == []
