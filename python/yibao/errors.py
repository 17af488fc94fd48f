"""The exceptions of yibao: one hierarchy, so callers can catch what they expect.

``InputError`` (a ``ValueError``) is raised for anything wrong in the claims or members:
its message names the column, the row (the caller's index label) and the value or rule.
``PolicyError`` is raised for policy files and overrides; ``MissingParameterError`` when a
claim needs a parameter that the source text does not give (docs/design.md §5), naming what to
supply.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AmountOverflowError",
    "InputError",
    "MissingParameterError",
    "NoVersionInForceError",
    "PolicyError",
    "YibaoError",
]


class YibaoError(Exception):
    """Base class of every error raised by yibao."""


class InputError(YibaoError, ValueError):
    """Bad input data: the message names the column, the row and the offending value.

    Attributes
    ----------
    column : str or None
        The column of the claims (or members) frame.
    row : object
        The index label of the offending row in the caller's frame, when known.
    position : int or None
        Its 0-based position.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        row: Any = None,
        position: int | None = None,
    ) -> None:
        self.reason = message
        self.column = column
        self.row = row
        self.position = position
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.row is not None:
            where.append(f"row {self.row!r}")
        elif self.position is not None:
            where.append(f"position {self.position}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason

    def at_row(self, row: Any) -> InputError:
        """A copy of this error that names the caller's index label ``row``."""
        return type(self)(self.reason, column=self.column, row=row, position=self.position)


class NoVersionInForceError(InputError):
    """A claim is dated before the first version of its policy (rules are never backdated)."""


class AmountOverflowError(InputError):
    """An amount, or a sum of amounts, leaves the range of exact int64 fen."""


class PolicyError(YibaoError, ValueError):
    """A policy file or override that cannot be used; names the file and the key."""

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        row: Any = None,
        position: int | None = None,
    ) -> None:
        # column/row/position are accepted so the core's errors map uniformly.
        self.column = column
        self.row = row
        self.position = position
        super().__init__(message)


class MissingParameterError(PolicyError):
    """A claim needs a parameter the source text does not give; supply it with
    ``Policy.replace``. The message names the parameter and the claim's row."""

    def at_row(self, row: Any) -> MissingParameterError:
        err = MissingParameterError(f"row {row!r}: {self.args[0]}")
        err.column, err.row, err.position = self.column, row, self.position
        return err
