"""``forcewatch compare`` and ``forcewatch timeline``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from forcewatch.cli.common import console, new_table, print_json, print_validation_notes
from forcewatch.cli.options import (
    DateFromOpt,
    DateToOpt,
    IncludeUnvalidatedOpt,
    JsonOpt,
    MaskOpt,
    SiteArg,
    WorkspaceOpt,
)

if TYPE_CHECKING:
    from forcewatch.app.compare import Timeline
    from forcewatch.model import CampChange, Comparison


COMPARE_COLUMNS = (
    "class",
    "before",
    "after",
    "arrived",
    "departed",
    "stayed",
    "not observed",
    "not observed before",
    "status",
)
SUMMARY_KEYS = ("before", "after", "arrived", "departed", "stayed", "not_observed", "not_observed_before")
#: The status column of a class validated on both dates, of one that is not, and of one not observable.
FINDING, CANDIDATE, UNSEEN = "finding", "unvalidated candidate", "not observable"


def compare_cmd(
    site: SiteArg,
    date_from: DateFromOpt = None,
    date_to: DateToOpt = None,
    mask: MaskOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    include_unvalidated: IncludeUnvalidatedOpt = False,
) -> None:
    """What changed at SITE between two dates: objects arrived, departed, stayed; new activity; misalignment.
    Changes of classes not validated on both dates are unvalidated candidates, set apart."""
    from forcewatch.app.compare import compare_site, comparison_json
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        comparison, cid = compare_site(store, site, date_from, date_to, mask or [])
    if as_json:
        print_json(comparison_json(site, comparison, cid, include_unvalidated))
        return
    _print_comparison(site, comparison, include_unvalidated)


def _print_comparison(site: str, c: Comparison, include_unvalidated: bool) -> None:
    """The comparison as a table (the findings' classes, then the unvalidated candidates' in a
    section of their own, then the classes not observable) and lines."""
    from forcewatch.app.compare import camp_findings
    from forcewatch.app.status import validated_text

    table = new_table(
        f"{site}: {c.earlier.acquired[:10]} → {c.later.acquired[:10]}",
        COMPARE_COLUMNS,
        right=COMPARE_COLUMNS[1:-1],
    )
    candidates = [cls for cls in c.summary if cls not in c.validated]
    for status, classes in ((FINDING, [k for k in c.summary if k in c.validated]), (CANDIDATE, candidates)):
        if classes and table.row_count:
            table.add_section()
        for cls in classes:
            table.add_row(cls, *(str(c.summary[cls].get(k, 0)) for k in SUMMARY_KEYS), status)
    unseen, notes = c.not_observable, c.notes
    if unseen and table.row_count:
        table.add_section()
    for cls in sorted(unseen):
        table.add_row(cls, *(["not observable"] + ["-"] * (len(SUMMARY_KEYS) - 1)), UNSEEN)
    console.print(table)
    console.print(f"validated on both dates: {validated_text(c.validated)}")
    if candidates:
        console.print(
            f"unvalidated candidates: {', '.join(candidates)}: not validated on both dates, their changes are "
            "not findings"
        )
    print_validation_notes(include_unvalidated, False)
    for cls, why in sorted(unseen.items()):
        console.print(f"{cls}: not observable ({why}): no count, no change")
    for key, note in notes.items():
        console.print(f"{key}: {note}")
    console.print(
        f"misalignment corrected: {c.shift_east_m:+.1f} m east, {c.shift_north_m:+.1f} m north "
        f"(residual about {c.residual_m:.1f} m); {c.share_usable:.0%} of the common area usable (cloud-free, valid)"
    )
    if c.activity:
        total = sum(a.area_m2 for a in c.activity) / 1e4
        console.print(
            f"new activity: {len(c.activity)} area(s), {total:.2f} ha in all; largest "
            f"{c.activity[0].area_m2 / 1e4:.2f} ha (confidence {c.activity[0].confidence:.2f})"
        )
    else:
        console.print("new activity: none found")
    found, hidden = camp_findings(c, include_unvalidated)
    for k in found:
        console.print(_camp_line(k))
    if hidden:
        console.print(
            f"{len(hidden)} camp event(s) from unvalidated candidates not shown (--include-unvalidated shows them)"
        )


def _camp_line(k: CampChange) -> str:
    counts = ", ".join(f"{n} {cls}" for cls, n in sorted(k.counts.items()))
    return (
        f"{k.kind} {k.status} ({k.acquired[:10]}): {counts} on {k.area_m2 / 1e4:.2f} ha"
        + (f", was {k.objects_before} objects" if k.status in ("grown", "shrunk", "unchanged") else "")
        + (f"; {k.activity_m2 / 1e4:.2f} ha of new activity inside" if k.activity_m2 else "")
    )


def timeline_cmd(
    site: SiteArg,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    include_unvalidated: IncludeUnvalidatedOpt = False,
) -> None:
    """A site's observations and the comparisons between them, in date order; unvalidated candidates marked."""
    from forcewatch.app.compare import timeline
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        t = timeline(store, site)
    if as_json:
        print_json(t.to_json(include_unvalidated))
        return
    _print_timeline(site, t, include_unvalidated)


def _print_timeline(site: str, t: Timeline, include_unvalidated: bool) -> None:
    """The timeline as a table (unvalidated candidates' counts and changes marked) and a line on the tracks."""
    from forcewatch.app.status import UNVALIDATED_MARK, findings_text, validated_text

    table = new_table(
        f"{site}: timeline",
        ("date", "counts", "observed", "change since the previous comparison", "validated on both dates"),
    )
    marked = False
    for o in t.observations:
        c = t.comparison_ending(o)
        change = ""
        if c:
            change = "; ".join(
                f"{cls}{UNVALIDATED_MARK if cls not in c.validated else ''}: +{v['arrived']} −{v['departed']}"
                + (f" ({v['not_observed']} not observed)" if v["not_observed"] else "")
                + (f" ({v['not_observed_before']} not observed before)" if v.get("not_observed_before") else "")
                for cls, v in c.summary.items()
            )
        marked = marked or bool(o.candidate_counts) or bool(c and c.unvalidated)
        table.add_row(
            o.acquired[:16].replace("T", " "),
            findings_text(o, include_unvalidated=True),
            f"{o.share_observed:.0%}",
            change or "-",
            validated_text(c.validated) if c else "-",
        )
    console.print(table)
    print_validation_notes(include_unvalidated, marked, marked=True)
    staying = [k for k in t.tracks if k.first_seen != k.last_seen]
    console.print(f"{len(t.tracks)} object tracks; {len(staying)} seen on more than one date")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
    app.command("timeline")(timeline_cmd)
