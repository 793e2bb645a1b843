"""Explicit stock accounts: closing = opening + inflows - outflows, month by month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import coa_kernel
from .errors import MppError
from .queue import default_engine
from .queue_kernel import plain


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
        """Integrate the flows; refuse a stock that would go negative. Flows may carry leading axes (paths of
        the Monte Carlo, shape (..., T)); ``initial`` then has the leading shape."""
        flows = [*self.inflows.values(), *self.outflows.values()]
        shape = np.broadcast_shapes(np.shape(self.initial) + (1,), *(np.shape(f) for f in flows))
        net = np.zeros(shape)
        for flow in self.inflows.values():
            net += flow
        for flow in self.outflows.values():
            net -= flow
        flat = (int(np.prod(shape[:-1])), shape[-1])
        initial = np.ascontiguousarray(np.broadcast_to(self.initial, shape[:-1]).reshape(flat[0]), dtype=float)
        opening, closing = np.empty(flat), np.empty(flat)
        # month by month (so both identities hold to the last bit); compiled, or the same source run plainly
        loop = coa_kernel.running_stock if default_engine() == "compiled" else plain(coa_kernel.running_stock)
        loop(initial, np.ascontiguousarray(net).reshape(flat), opening, closing)
        opening, closing = opening.reshape(shape), closing.reshape(shape)
        floor = -1e-6 * np.maximum(1.0, np.abs(np.asarray(self.initial, dtype=float)))
        below = closing < np.expand_dims(floor, -1)
        if below.any():
            month = int(np.argmax(below.any(axis=tuple(range(below.ndim - 1))))) + 1
            raise MppError(f"stock {self.name} would become negative in month {month} of the horizon: check its "
                           f"inflows and outflows")
        self.opening, self.closing = opening, closing
        return self


def drain(initial, inflow: np.ndarray, wanted_out) -> tuple[np.ndarray, np.ndarray]:
    """Run a stock month by month where the outflow is ``wanted_out(t, stock, available)`` capped by what is
    there. Returns (outflow, closing), shaped like ``inflow`` ((..., T): leading axes are paths).
    ``available`` = opening + this month's inflow.
    """
    stock = np.asarray(initial, dtype=float)
    out = np.zeros(np.shape(inflow))
    closing = np.zeros(np.shape(inflow))
    for t in range(out.shape[-1]):
        available = stock + inflow[..., t]
        out[..., t] = np.minimum(np.maximum(wanted_out(t, stock, available), 0.0), available)
        stock = available - out[..., t]
        closing[..., t] = stock
    return out, closing
