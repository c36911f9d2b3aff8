"""The function table is read from the decorators: one description of each function, many hosts."""

from __future__ import annotations

import inspect

from xl_addin import udfs
from xl_addin.functions import table


def test_every_exported_function_is_in_the_table_once_in_order() -> None:
    names = [f.name for f in table()]
    assert names == list(udfs.__all__)
    assert len(set(names)) == len(names)


def test_the_table_mirrors_each_signature_and_its_help() -> None:
    for f in table():
        sig = inspect.signature(getattr(udfs, f.name))
        assert [p.name for p in f.parameters] == list(sig.parameters), f.name
        for p in f.parameters:
            assert p.help, (f.name, p.name)  # every argument has help in Insert Function
            assert p.optional == (sig.parameters[p.name].default is not inspect.Parameter.empty)
            # the help says "[optional]" exactly where Excel treats the argument as optional
            assert p.help.startswith("[optional]") == p.optional, (f.name, p.name)
        assert f.category == "IFX Series A", f.name
        assert "Section" in f.description or "(" in f.description, f.name
        assert 20 < len(f.description) <= 255, f.name  # Excel's description limit
        assert f.required == tuple(p for p in f.parameters if not p.optional)


def test_known_function_reads_back_exactly() -> None:
    liqpref = {f.name: f for f in table()}["LIQPREF"]
    assert [p.name for p in liqpref.required] == [
        "shares",
        "stated_value",
        "issue_date",
        "payment_date",
    ]
    assert [(p.name, p.default) for p in liqpref.parameters if p.optional] == [
        ("dividends", 0),
        ("rate", 0.1),
        ("basis", 3),
    ]
    assert all(p.takes_range for p in liqpref.parameters)
    assert liqpref.call(1000, 12.31, 36703, 37068) == 13541.0  # 1,000 × 12.31 × 1.1
