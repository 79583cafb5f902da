"""Alert rules: validation, evaluation, delivery once per channel, and a webhook that is down
(tests use a local HTTP server on 127.0.0.1 only)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from forcewatch.assess.alerts import Rule, evaluate_rule, load_rules
from forcewatch.cli import _register, app
from forcewatch.errors import InputError
from tests.cli.test_change import _run, _scene

COMP = {
    "id": 1,
    "earlier": "2022-01-20T09:00:00Z",
    "later": "2022-02-10T09:00:00Z",
    "summary": {"aircraft": {"before": 6, "after": 15, "arrived": 9, "departed": 0, "stayed": 6, "not_observed": 0}},
}


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
    camps = [
        {"status": "new", "kind": "tent camp", "tents": 40, "vehicles": 12, "area_m2": 21000.0, "objects_before": 0},
        {"status": "unchanged", "kind": "tent camp", "tents": 90, "vehicles": 0, "area_m2": 5e4, "objects_before": 88},
    ]
    msg = evaluate_rule(Rule("tents", "new_camp", min_tents=10), "Yelsk", COMP, [], None, camps)
    assert msg == (
        "tents: tent camp new at Yelsk: 40 tents, 12 vehicles on 2.10 ha (was 0 objects) "
        "between 2022-01-20 → 2022-02-10"
    )
    assert evaluate_rule(Rule("tents", "new_camp", min_tents=50), "Yelsk", COMP, [], None, camps) is None
    park = [{"status": "new", "kind": "vehicle park", "tents": 0, "vehicles": 30, "area_m2": 9e3, "objects_before": 0}]
    assert evaluate_rule(Rule("tents", "new_camp", min_tents=1), "Yelsk", COMP, [], None, park) is None


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
