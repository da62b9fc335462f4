"""Where a client's lower-level exceptions become the error tree's ``BrokerError``.

Each client keeps one table from what its own code and the standard library raise to the
``hearth.errors`` class each becomes where it leaves the client (httpx's
``map_httpcore_exceptions`` is the model). The most specific entry wins: the first class of
the exception's MRO that the table names. An exception the table does not name is a bug
and passes through unchanged, so a test can hold each table complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

from hearth.errors import BrokerError


class ErrorMap:
    """One client's table of lower-level exceptions and the tree's error each becomes."""

    def __init__(self, table: Mapping[type[BaseException], type[BrokerError]]) -> None:
        self.table = dict(table)

    def find(self, kind: type[BaseException]) -> type[BrokerError] | None:
        """Return the tree's class for exceptions of ``kind``, or None if none is named."""
        for cls in kind.__mro__:
            found = self.table.get(cls)
            if found is not None:
                return found
        return None

    def translate(self, error: BaseException, where: str = "") -> BrokerError | None:
        """Return the tree's error for ``error`` (``where`` prefixes its message), or None."""
        if isinstance(error, BrokerError):
            return error
        target = self.find(type(error))
        if target is None:
            return None
        message = str(error) or type(error).__name__
        return target(f"{where}: {message}" if where else message)

    def boundary(self, where: str = "") -> Boundary:
        """Return a ``with`` block that raises what escapes it as the tree's error."""
        return Boundary(self, where)


class Boundary:
    """The edge of a client: lower-level exceptions leave it translated (``ErrorMap``)."""

    __slots__ = ("errors", "where")

    def __init__(self, errors: ErrorMap, where: str) -> None:
        self.errors, self.where = errors, where

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is None or isinstance(error, BrokerError):
            return
        mapped = self.errors.translate(error, self.where)
        if mapped is not None:
            raise mapped from error
