"""The assessments over a workspace (``forcewatch estimate``, ``claims`` and ``alerts``): force
estimates from the latest counts, a news text's claims checked against the borders, and alert rules
evaluated over the stored comparisons and delivered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from forcewatch.app.compare import detector_for
from forcewatch.app.validation import reviewed_observations
from forcewatch.app.workspace import is_workspace, open_workspace, resolve
from forcewatch.assess.alerts import INCLUDED_SUFFIX, NewAlert, SiteEvidence, alerts_to_raise
from forcewatch.assess.claims import CheckedDistance, ClaimsFound, check_distance, find_claims, places_as_sites
from forcewatch.assess.claims_observed import WITHIN_KM, ObservedCount, comparable, compare_count, nearest_site
from forcewatch.assess.delivery import deliver
from forcewatch.assess.estimate import DOCTRINE, SiteEstimate, load_doctrine, site_estimates
from forcewatch.assess.rules import Rule, RuleSet, load_rules
from forcewatch.assess.validation import INCLUDED_NOTE
from forcewatch.detect.base import Detector
from forcewatch.detect.registry import load_detector
from forcewatch.errors import InputError
from forcewatch.geo.distance import distance_to, reference_line
from forcewatch.store.base import Store

RULES_NAME = "alerts.yaml"


# ---- force estimates


@dataclass(frozen=True)
class EstimateResult:
    """The estimates of the sites (one per site and model that observed it), each count corrected
    with the scores of the model that made it, by one doctrine table."""

    model_id: str | None  # the only model estimated (--model); None: every model
    doctrine: Path | None  # the user's doctrine table; None for the bundled one
    sites: list[SiteEstimate]
    include_unvalidated: bool = False  # unvalidated candidates estimated too

    @property
    def doctrine_path(self) -> Path:
        return self.doctrine or DOCTRINE

    @property
    def note(self) -> str | None:
        """:data:`~forcewatch.assess.validation.INCLUDED_NOTE` when unvalidated candidates were included."""
        return INCLUDED_NOTE if self.include_unvalidated else None

    def to_json(self) -> dict[str, object]:
        return {
            "doctrine": str(self.doctrine_path),
            "model": self.model_id,
            "include_unvalidated": self.include_unvalidated,
            "note": self.note,
            "sites": [r.to_json() for r in self.sites],
        }


def model_scores(store: Store, sha256s: Sequence[str]) -> dict[str, dict[str, object] | None]:
    """Model file hash → the scores recorded in that model (bundled or the workspace's); None for
    a model no longer found."""
    out: dict[str, dict[str, object] | None] = {}
    for sha in dict.fromkeys(sha256s):
        detector = detector_for(store, sha)
        out[sha] = dict(detector.meta.scores) if detector is not None else None
    return out


def _detector(store: Store, model: str) -> Detector:
    """``--model``: a workspace model by its name, else a bundled model's name or a model file."""
    path = next((store.folder / e.path for e in store.models() if e.name == model), None)
    return load_detector(str(path) if path is not None else model)


def estimate(
    store: Store,
    model: str | None = None,
    doctrine: Path | None = None,
    site_name: str | None = None,
    include_unvalidated: bool = False,
) -> EstimateResult:
    """Each site's (or only ``site_name``'s) latest counts by each model that observed it (only
    ``model``'s when given: a workspace model's name, a bundled one's, or a file), each validated
    class corrected with the scores of the model that made it (a reviewed class counted as the
    analyst kept it), as unit equivalents and personnel by the ``doctrine`` table (default: the
    bundled one). Unvalidated candidates are listed as not estimated, unless ``include_unvalidated``."""
    only = _detector(store, model) if model is not None else None
    rules = load_doctrine(doctrine)
    sites = [store.site(site_name)] if site_name else store.sites()
    results: list[SiteEstimate] = []
    for s in sites:
        assert s.id is not None
        gsd = {sc.id: sc.gsd_m for sc in store.scenes_of_site(s.id) if sc.id is not None}  # each date's own recall
        observations = reviewed_observations(store, s.id)
        if only is not None:
            observations = [o for o in observations if o.model_sha256 == only.sha256]
        scores = model_scores(store, [o.model_sha256 for o in observations])
        results.extend(site_estimates(s.name, observations, scores, rules, gsd, include_unvalidated))
    return EstimateResult(only.model_id if only else None, doctrine, results, include_unvalidated)


# ---- claims in a news text


@dataclass(frozen=True)
class ClaimsResult:
    """A text's distance claims (checked) and equipment claims, the sites added for them, and
    (with a workspace) each count claim against what was observed there (``observed``, one per
    equipment claim, None where a claim has no count, place or countable class)."""

    article: Path
    found: ClaimsFound
    checked: list[CheckedDistance]
    sites_added: list[str] = field(default_factory=list)
    observed: list[ObservedCount | None] = field(default_factory=list)
    article_date: dt.date | None = None  # observations on or before it are compared
    workspace: Path | None = None  # the workspace compared with; None when none was given or found

    def to_json(self) -> dict[str, object]:
        observed = self.observed or [None] * len(self.found.equipment)
        return {
            "article": str(self.article),
            "article_date": self.article_date.isoformat() if self.article_date else None,
            "workspace": str(self.workspace) if self.workspace else None,
            "subject_country": self.found.subject_country,
            "subject_why": self.found.subject_why,
            "distances": [c.to_json() for c in self.checked],
            "equipment": [
                {**e.to_json(), "observed": o.to_json() if o else None}
                for e, o in zip(self.found.equipment, observed, strict=True)
            ],
            "sites_added": self.sites_added,
        }


def add_claim_sites(store: Store, found: ClaimsFound) -> list[str]:
    """Add the places the claims name as watched sites (those not watched yet), in one
    transaction; the names added."""
    added = []
    with store.transaction():
        existing = {s.name for s in store.sites()}
        for site in places_as_sites(found):
            if site.name not in existing:
                store.add_site(site)
                added.append(site.name)
        store.log("claims", f"added sites {added}")
    return added


def observed_counts(
    store: Store, found: ClaimsFound, on_or_before: dt.date | None, within_km: float = WITHIN_KM
) -> list[ObservedCount | None]:
    """Each equipment claim against the latest observation of its class at the nearest watched
    site (on or before ``on_or_before``); None for a claim that cannot be compared."""
    sites = store.sites()
    near = [
        nearest_site(c.place.place.lat, c.place.place.lon, sites, within_km) if c.place and comparable(c) else None
        for c in found.equipment
    ]
    observations = {
        n.site.id: reviewed_observations(store, n.site.id) for n in near if n is not None and n.site.id is not None
    }
    return [
        compare_count(c, n, observations.get(n.site.id or -1, []) if n else [], on_or_before, within_km)
        for c, n in zip(found.equipment, near, strict=True)
    ]


def read_article(path: Path) -> str:
    """The text of ``path``; an error that names the file when it is missing, binary or not UTF-8."""
    if not path.is_file():
        raise InputError(f"{path}: no such file. Fix: give the path of a text file.")
    data = path.read_bytes()
    fix = "Fix: give a UTF-8 text file (.txt): save the article as plain text"
    if data.startswith(b"%PDF"):
        raise InputError(f"{path}: a PDF, not text. {fix} (e.g. `pdftotext {path.name} article.txt`).")
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: a binary file, not text. {fix} (copy the article's text into a .txt file).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}). {fix} in UTF-8, "
            f"e.g. `iconv -f WINDOWS-1252 -t UTF-8 {path.name} > article.txt`."
        ) from None


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r} is not a date. Fix: write it as YYYY-MM-DD, e.g. 2021-11-28.") from None


def claims(
    article: Path, add_sites: bool = False, workspace: Path | None = None, article_date: str | None = None
) -> ClaimsResult:
    """Find the place-and-distance and equipment statements of the text file ``article``, measure
    the distances, and, when a workspace is given or found (a GeoPackage or PostGIS workspace in the
    folder :func:`~forcewatch.app.workspace.resolve` names), with ``add_sites`` watch the places there and
    compare each claimed count with what was observed on or before ``article_date`` (YYYY-MM-DD;
    default: the latest date the text names)."""
    found = find_claims(read_article(article))
    checked = [check_distance(c) for c in found.distances]
    day = _date(article_date) or found.article_date
    folder = resolve(workspace)
    if not (add_sites or workspace is not None or is_workspace(folder)):
        return ClaimsResult(article, found, checked, article_date=day)
    with open_workspace(workspace) as store:
        added = add_claim_sites(store, found) if add_sites else []
        observed = observed_counts(store, found, day)
    return ClaimsResult(article, found, checked, added, observed, day, folder)


# ---- alerts


@dataclass(frozen=True)
class AlertsRun:
    """What one run of the rules raised and delivered."""

    raised: list[str] = field(default_factory=list)  # messages of the alerts raised now
    console: list[str] = field(default_factory=list)  # messages to print now (each alert once)
    delivered_jsonl: int = 0
    delivered_webhook: int = 0
    pending: list[str] = field(default_factory=list)  # undelivered, with the reason
    #: what the rules would raise on unvalidated candidates, not raised (--include-unvalidated raises them)
    withheld: list[str] = field(default_factory=list)


def gather_evidence(store: Store, rules: Sequence[Rule]) -> list[SiteEvidence]:
    """Every site with its stored comparisons (each with the classes validated on both its dates,
    ``StoredComparison.validated``, which decide what the count and camp rules may fire on),
    activity and camps, and its distance to each line the rules name."""
    lines = {code: reference_line(code) for code in dict.fromkeys(r.within_km_of for r in rules if r.within_km_of)}
    evidence = []
    for site in store.sites():
        assert site.id is not None
        evidence.append(
            SiteEvidence(
                site,
                store.comparisons(site.id),
                store.activity({site.id}),
                store.camps({site.id}),
                {code: distance_to(site.aoi, line).distance_km for code, line in lines.items()},
            )
        )
    return evidence


def queue_alerts(store: Store, alerts: Sequence[NewAlert]) -> list[str]:
    """Queue the alerts in one transaction; the messages of those not queued before."""
    raised = []
    with store.transaction():
        for a in alerts:
            if store.add_alert(a.rule, a.comparison_id, a.site, a.message, a.payload):
                raised.append(a.message)
        store.log("alerts", f"{len(raised)} new alerts")
    return raised


def run_alerts(store: Store, rules: RuleSet, include_unvalidated: bool = False) -> AlertsRun:
    """Raise alerts for stored comparisons that trigger a rule (on validated classes and camps only,
    unless ``include_unvalidated`` or the rules say so), then deliver everything queued (each
    alert's delivery and its marks in one transaction). What the rules would raise on unvalidated
    candidates is returned as withheld."""
    evidence = gather_evidence(store, rules.rules)
    found = alerts_to_raise(evidence, rules.rules, include_unvalidated)
    keys = {(a.rule, a.comparison_id) for a in found}
    withheld = [
        a.message.removesuffix(INCLUDED_SUFFIX)
        for a in alerts_to_raise(evidence, rules.rules, True)
        if (a.rule, a.comparison_id) not in keys
    ]
    raised = queue_alerts(store, found)
    console: list[str] = []
    pending: list[str] = []
    jsonl = webhook = 0
    for alert in store.pending_alerts():
        with store.transaction():
            done = deliver(alert, rules.delivery)
            for channel, error in done.marks:
                store.mark_alert(alert.id, channel, error)
        console.extend([done.console] if done.console is not None else [])
        pending.extend([done.pending] if done.pending is not None else [])
        jsonl += int(done.jsonl)
        webhook += int(done.webhook)
    return AlertsRun(raised, console, jsonl, webhook, pending, withheld)


def rules_file(rules_path: Path | None, workspace: Path | None) -> Path:
    """``rules_path``, else ``alerts.yaml`` in the workspace; an error when it is not a file."""
    path = rules_path or resolve(workspace) / RULES_NAME
    if not path.is_file():
        raise InputError(
            f"{path}: no rules file. Fix: write one (see the example in forcewatch.assess.alerts) or pass --rules FILE."
        )
    return path


def alerts_from_file(
    rules_path: Path | None = None, workspace: Path | None = None, include_unvalidated: bool = False
) -> AlertsRun:
    """Read the rules (``rules_path``, default ``alerts.yaml`` in the workspace), then run them over
    the workspace (:func:`run_alerts`)."""
    ruleset = load_rules(rules_file(rules_path, workspace))
    with open_workspace(workspace) as store:
        return run_alerts(store, ruleset, include_unvalidated)
