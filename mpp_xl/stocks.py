"""Explicit stock accounts: closing = opening + inflows - outflows, month by month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import MppError


@dataclass
class StockAccount:
    """A stock (persons or cases) with named monthly inflows and outflows, all arrays of shape (T,).

    ``closing[t] == opening[t] + sum(inflows)[t] - sum(outflows)[t]`` and ``opening[t+1] == closing[t]``.
    """

    name: str
    unit: str
    initial: float
    inflows: dict[str, np.ndarray] = field(default_factory=dict)
    outflows: dict[str, np.ndarray] = field(default_factory=dict)
    opening: np.ndarray | None = None
    closing: np.ndarray | None = None

    def close(self) -> "StockAccount":
        """Integrate the flows; refuse a stock that would go negative."""
        size = len(next(iter({**self.inflows, **self.outflows}.values())))
        net = np.zeros(size)
        for flow in self.inflows.values():
            net = net + flow
        for flow in self.outflows.values():
            net = net - flow
        opening, closing = np.empty(size), np.empty(size)
        stock = float(self.initial)
        for t in range(size):  # month by month so both identities hold to the last bit
            opening[t] = stock
            stock = stock + net[t]
            closing[t] = stock
        if (closing < -1e-6 * max(1.0, abs(self.initial))).any():
            raise MppError(f"stock {self.name} would become negative in month {int(np.argmax(closing < 0)) + 1}"
                           f" of the horizon: check its inflows and outflows")
        self.opening, self.closing = opening, closing
        return self


def drain(initial: float, inflow: np.ndarray, wanted_out) -> tuple[np.ndarray, np.ndarray]:
    """Run a stock month by month where the outflow is ``wanted_out(t, available)`` capped by what is there.

    Returns (outflow, closing). ``available`` = opening + this month's inflow.
    """
    stock = float(initial)
    out = np.zeros(len(inflow))
    closing = np.zeros(len(inflow))
    for t in range(len(inflow)):
        available = stock + inflow[t]
        out[t] = min(max(wanted_out(t, stock, available), 0.0), available)
        stock = available - out[t]
        closing[t] = stock
    return out, closing
