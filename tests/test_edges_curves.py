"""Issue 20, break 8: ``benefit_curve`` names a spending point it cannot read."""

from __future__ import annotations

from typing import Any

import pytest

from yibao.curves import benefit_curve


@pytest.mark.parametrize("spending", ["abc", ["100", "abc"], [10**30], ["1e400"]])
def test_unreadable_spending_is_a_value_error_naming_it(spending: Any) -> None:
    with pytest.raises(ValueError, match="spending") as err:
        benefit_curve("jining", spending)
    assert type(err.value) is ValueError
    shown = spending if isinstance(spending, str) else spending[-1]
    assert repr(shown) in str(err.value)
