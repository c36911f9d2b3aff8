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

The document is built from one :class:`~.history.Step` of the history engine -- the same
computation as CPHISTORY, from the same inputs (:class:`~.history.Capitalization`, option-plan
usage and ``expired_options_free_cap`` included): the event, the method with its computation (the
step's explanation), each class's price before and after and the number of Common shares each
class converts into (5(a)(i), full shares), and a signature block.

The facts table lists every Fully Diluted figure the method's arithmetic uses (e.g. the
"immediately before" and "immediately after" counts of a 6(c)(ii) weighted average), next to the
Fully Diluted Outstanding before and after the event: the numbers in the table and in the
formula are the same numbers.

Consideration (6(g)(i)): for an event with consideration (an issue, warrants, Convertible
Securities, an exercise, a reprice, the Subsequent Closing), the price is cash received unless
``fair_value_basis`` is given: then the consideration is stated as other than cash, at its fair
value as determined in good faith by the Board of Directors, with the basis of that
determination. Splits, combinations, stock dividends, conversions, expiries and abandoned record
dates involve no consideration and say so (a ``fair_value_basis`` for them is refused, except on
an expiry whose 6(f)(iii) recomputation counts exercised shares at the consideration received).

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
    "consideration",
    "find_step",
]

_TITLE = "Certificate of Adjustment"
_SUBTITLE = (
    "Series A Convertible Preferred Stock of IFX Corporation — "
    "Section 6(j) of the Certificate of Designation"
)
#: Events that involve no consideration (6(g)(i) has nothing to value): what they are.
_NO_CONSIDERATION = {
    "SPLIT": "a subdivision of the outstanding Common Stock (6(b)(ii))",
    "COMBINATION": "a combination of the outstanding Common Stock (6(b)(iii))",
    "DIVIDEND": "a dividend payable in Common Stock (6(b)(i))",
    "CONVERSION": "Common Stock issued on conversion of Series A (6(a) Permitted Issuance (iii))",
    "ABANDON": "the abandonment of a record date (6(g)(iii))",
    "EXPIRE": "the expiry of warrants, rights or Convertible Securities (6(f)(i))",
}


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
    facts.append(
        ("Fully Diluted Outstanding before this event (6(a))", format_shares(step.fd_before))
    )
    facts += [(f"{label}, as used in the method", format_shares(v)) for label, v in step.fd_figures]
    facts.append(
        (
            "Fully Diluted Outstanding after this event (6(a); each class as converted at its "
            "Conversion Price after it)",
            format_shares(step.fd_after),
        )
    )
    return facts


def consideration(step: Step, fair_value_basis: str | None = None) -> str:
    """The 6(g)(i) statement of the certificate: what the consideration was, and the Board's
    fair-value basis where it was not cash (see the module docstring)."""
    basis = (fair_value_basis or "").strip() or None
    what = _NO_CONSIDERATION.get(step.event)
    if what is not None:
        recomputed = step.event == "EXPIRE" and "6(f)(iii)" in step.section
        if basis is not None and not recomputed:
            raise TermsError(
                f"fair_value_basis: row {step.row} is {step.event}, which involves no "
                f"consideration ({what}); leave it out",
                argument="fair_value_basis",
            )
        text = (
            f"No consideration is received for {what}; no determination of fair value "
            "under Section 6(g)(i) applies."
        )
        if recomputed:
            text += (
                " Shares issued on earlier exercises are counted at the consideration actually "
                "received for them, as logged (6(f)(iii))"
                + (
                    f"; where not cash, at its fair value as determined in good faith by the "
                    f"Board of Directors (6(g)(i)), on this basis: {basis}"
                    if basis
                    else ", in cash"
                )
                + "."
            )
        return text
    price = (
        f"{format_money(step.price)} per share"
        if step.price is not None
        else "the consideration per share"
    )
    of = (
        " (for warrants or Convertible Securities: the consideration for the instrument plus "
        "the further payment on exercise or conversion, per share)"
        if step.event in ("WARRANT", "CONVERTIBLE", "REPRICE")
        else ""
    )
    if basis is not None:
        return (
            f"Consideration other than cash: {price}{of} is the fair value of the consideration "
            "at the time of issuance as determined in good faith by the Board of Directors "
            f"(Section 6(g)(i)). Basis of the Board's determination: {basis}"
        )
    return (
        f"Cash consideration: {price}{of} is the amount of cash received by the Corporation "
        "(Section 6(g)(i)); no Board determination of fair value was required."
    )


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
    lines += ["Consideration (6(g)(i)): " + md(consideration(step, fair_value_basis)), ""]
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
        f"<p>Consideration (6(g)(i)): {e(consideration(step, fair_value_basis))}</p>"
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
