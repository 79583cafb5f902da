"""``forcewatch compare`` and ``forcewatch timeline``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from forcewatch.cli.common import console, new_table, print_json
from forcewatch.cli.options import DateFromOpt, DateToOpt, JsonOpt, MaskOpt, SiteArg, WorkspaceOpt

if TYPE_CHECKING:
    from forcewatch.app.compare import Timeline
    from forcewatch.model import Comparison


COMPARE_COLUMNS = ("class", "before", "after", "arrived", "departed", "stayed", "not observed", "not observed before")
SUMMARY_KEYS = ("before", "after", "arrived", "departed", "stayed", "not_observed", "not_observed_before")


def compare_cmd(
    site: SiteArg,
    date_from: DateFromOpt = None,
    date_to: DateToOpt = None,
    mask: MaskOpt = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed at SITE between two dates: objects arrived, departed, stayed; new activity; misalignment."""
    from forcewatch.app.compare import compare_site, comparison_json
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        comparison, cid = compare_site(store, site, date_from, date_to, mask or [])
    if as_json:
        print_json(comparison_json(site, comparison, cid))
        return
    _print_comparison(site, comparison)


def _print_comparison(site: str, c: Comparison) -> None:
    """The comparison as a table and lines."""
    table = new_table(
        f"{site}: {c.earlier.acquired[:10]} → {c.later.acquired[:10]}",
        COMPARE_COLUMNS,
        right=COMPARE_COLUMNS[1:],
    )
    for cls, s in c.summary.items():
        table.add_row(cls, *(str(s.get(k, 0)) for k in SUMMARY_KEYS))
    unseen, notes = c.not_observable, c.notes
    for cls in sorted(unseen):
        table.add_row(cls, *(["not observable"] + ["-"] * (len(SUMMARY_KEYS) - 1)))
    console.print(table)
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
    for k in c.camps:
        counts = ", ".join(f"{n} {cls}" for cls, n in sorted(k.counts.items()))
        console.print(
            f"{k.kind} {k.status} ({k.acquired[:10]}): {counts} on {k.area_m2 / 1e4:.2f} ha"
            + (f", was {k.objects_before} objects" if k.status in ("grown", "shrunk", "unchanged") else "")
            + (f"; {k.activity_m2 / 1e4:.2f} ha of new activity inside" if k.activity_m2 else "")
        )


def timeline_cmd(site: SiteArg, workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """A site's observations and the comparisons between them, in date order."""
    from forcewatch.app.compare import timeline
    from forcewatch.app.workspace import open_workspace

    with open_workspace(workspace) as store:
        t = timeline(store, site)
    if as_json:
        print_json(t.to_json())
        return
    _print_timeline(site, t)


def _print_timeline(site: str, t: Timeline) -> None:
    """The timeline as a table and a line on the tracks."""
    table = new_table(f"{site}: timeline", ("date", "counts", "observed", "change since the previous comparison"))
    for o in t.observations:
        c = t.comparison_ending(o)
        change = ""
        if c:
            change = "; ".join(
                f"{cls}: +{v['arrived']} −{v['departed']}"
                + (f" ({v['not_observed']} not observed)" if v["not_observed"] else "")
                + (f" ({v['not_observed_before']} not observed before)" if v.get("not_observed_before") else "")
                for cls, v in c.summary.items()
            )
        table.add_row(
            o.acquired[:16].replace("T", " "),
            o.count_text(),
            f"{o.share_observed:.0%}",
            change or "-",
        )
    console.print(table)
    staying = [k for k in t.tracks if k.first_seen != k.last_seen]
    console.print(f"{len(t.tracks)} object tracks; {len(staying)} seen on more than one date")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)
    app.command("timeline")(timeline_cmd)
