"""Section 6(j): the certificate of adjustment, as Markdown and as HTML.

"Whenever the number of shares of Common Stock into which shares of Series A Convertible
Preferred Stock are convertible or whenever the applicable Conversion Price shall be adjusted
pursuant to this Section 6, the Corporation shall forthwith prepare a certificate to be executed
by the chief financial officer ... setting forth, in reasonable detail, the event requiring the
adjustment and the method by which such adjustment was calculated (including a description of
the basis on which the Board of Directors determined the fair value of any consideration referred
to in Section 6(g)(i)), specifying any change in the applicable Conversion Price or the number of
shares of Common Stock into which shares of Series A Convertible Preferred Stock are
convertible".

The document is built from one :class:`~.history.Step` of the history engine: the event, the
method with its computation (the step's explanation), each class's price before and after and the
number of Common shares each class converts into (5(a)(i), full shares), and a signature block.
Pure string building; every value placed into HTML goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from .daycount import serial_to_date
from .errors import TermsError
from .history import Capitalization, Step, format_money, format_shares, history_steps
from .parse import parse_number, parse_optional

__all__ = [
    "certificate_html",
    "certificate_markdown",
    "certificate_of_adjustment",
    "find_step",
]

_TITLE = "Certificate of Adjustment"
_SUBTITLE = (
    "Series A Convertible Preferred Stock of IFX Corporation — "
    "Section 6(j) of the Certificate of Designation"
)
_NO_FAIR_VALUE = (
    "Cash consideration (Section 6(g)(i)); no Board determination of fair value was required."
)


def _exact(x: Fraction) -> str:
    shown = format_money(x)
    if not shown.endswith("…"):
        return shown
    return (
        f"{shown} (exactly {format_shares(Fraction(x.numerator))}/"
        f"{format_shares(Fraction(x.denominator))})"
    )


def _facts(step: Step) -> list[tuple[str, str]]:
    facts = [
        ("Event log row", str(step.row)),
        ("Date (deemed at close of business, 6(g)(ii))", serial_to_date(step.date).isoformat()),
        ("Event", step.event),
    ]
    if step.instrument:
        facts.append(("Instrument", step.instrument))
    if step.shares is not None:
        facts.append(("Shares", format_shares(step.shares)))
    if step.price is not None:
        facts.append(("Consideration per share", format_money(step.price)))
    if step.note:
        facts.append(("Note", step.note))
    facts.append(("Section applied", step.section))
    facts.append(("Fully Diluted Outstanding before (6(a))", format_shares(step.fd_before)))
    facts.append(("Fully Diluted Outstanding after (6(a))", format_shares(step.fd_after)))
    return facts


def _rows(step: Step) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            name,
            _exact(step.prices_before[name]),
            _exact(step.prices_after[name]),
            format_shares(step.class_shares[name]),
            format_shares(step.converts_into[name]),
        )
        for name in step.prices_after
    ]


_HEAD = (
    "Class",
    "Conversion Price before",
    "Conversion Price after",
    "Series A shares",
    "Common shares issuable on conversion (full shares)",
)


def _status(step: Step) -> str:
    if step.changed:
        return "The applicable Conversion Price was adjusted as shown below."
    return (
        "No Conversion Price changed as a result of this event; Section 6(j) requires a "
        "certificate only when a price or the number of shares issuable on conversion changes."
    )


def certificate_markdown(
    step: Step, *, fair_value_basis: str | None = None, corporation: str = "IFX Corporation"
) -> str:
    """The 6(j) certificate for one step, as Markdown."""

    def md(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"# {_TITLE}", "", f"*{_SUBTITLE}*", "", "## The event", ""]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {md(k)} | {md(v)} |" for k, v in _facts(step)]
    lines += ["", "## Method of calculation", "", md(step.explanation), ""]
    lines += [
        "Basis of the Board's determination of fair value (6(g)(i)): "
        + md(fair_value_basis or _NO_FAIR_VALUE),
        "",
    ]
    if step.flags:
        lines += ["## Flags", ""] + [f"- **{md(f)}**" for f in step.flags] + [""]
    lines += ["## Result", "", _status(step), ""]
    lines += ["| " + " | ".join(_HEAD) + " |", "|" + "---|" * len(_HEAD)]
    lines += ["| " + " | ".join(md(c) for c in r) + " |" for r in _rows(step)]
    lines += [
        "",
        f"The undersigned, Chief Financial Officer of {md(corporation)}, certifies the above "
        "pursuant to Section 6(j).",
        "",
        "Signature: ______________________________  ",
        "Name: ______________________________  ",
        "Title: Chief Financial Officer  ",
        "Date: ______________________________",
        "",
    ]
    return "\n".join(lines)


def certificate_html(
    step: Step, *, fair_value_basis: str | None = None, corporation: str = "IFX Corporation"
) -> str:
    """The 6(j) certificate for one step, as a standalone HTML document."""
    e = html.escape
    facts = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _facts(step))
    head = "".join(f"<th>{e(h)}</th>" for h in _HEAD)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in _rows(step))
    flags = ""
    if step.flags:
        flags = (
            "<h2>Flags</h2><ul>"
            + "".join(f"<li><strong>{e(f)}</strong></li>" for f in step.flags)
            + "</ul>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(_TITLE)} — row {step.row}</title></head><body>"
        f"<h1>{e(_TITLE)}</h1><p><em>{e(_SUBTITLE)}</em></p>"
        f"<h2>The event</h2><table>{facts}</table>"
        f"<h2>Method of calculation</h2><p>{e(step.explanation)}</p>"
        "<p>Basis of the Board's determination of fair value (6(g)(i)): "
        f"{e(fair_value_basis or _NO_FAIR_VALUE)}</p>"
        f"{flags}<h2>Result</h2><p>{e(_status(step))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p>The undersigned, Chief Financial Officer of {e(corporation)}, certifies the above "
        "pursuant to Section 6(j).</p>"
        "<p>Signature: ______________________________<br>Name: ______________________________"
        "<br>Title: Chief Financial Officer<br>Date: ______________________________</p>"
        "</body></html>\n"
    )


def find_step(steps: Sequence[Step], row: Any) -> Step:
    """The step of event-log row ``row`` (the header is row 1)."""
    n = parse_number(row, "row", minimum=2, integral=True)
    for s in steps:
        if s.row == n:
            return s
    rows = ", ".join(str(s.row) for s in steps) or "none"
    raise TermsError(f"row must be an event-log row number (got {n}; rows: {rows})", argument="row")


def certificate_of_adjustment(
    cap: Capitalization,
    log: Any,
    row: Any,
    fmt: Any = "markdown",
    *,
    fair_value_basis: str | None = None,
) -> str:
    """Run the history and render the 6(j) certificate for log row ``row``."""
    kind = parse_optional(fmt, "markdown")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    if kind not in ("markdown", "html"):
        raise TermsError(f"fmt must be markdown or html (got {kind!r})", argument="fmt")
    step = find_step(history_steps(cap, log), row)
    render = certificate_html if kind == "html" else certificate_markdown
    return render(step, fair_value_basis=fair_value_basis)
