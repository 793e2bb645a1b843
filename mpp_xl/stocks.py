"""Explicit stock accounts: closing = opening + inflows - outflows, month by month."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import coa_kernel
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
        """Integrate the flows; refuse a stock that would go negative. Flows may carry leading axes (paths of
        the Monte Carlo, shape (..., T)); ``initial`` then has the leading shape."""
        flows = [*self.inflows.values(), *self.outflows.values()]
        shape = np.broadcast_shapes(np.shape(self.initial) + (1,), *(np.shape(f) for f in flows))
        net = np.zeros(shape)
        for flow in self.inflows.values():
            net += flow
        for flow in self.outflows.values():
            net -= flow
        # month by month (so both identities hold to the last bit); compiled, or the same source run plainly
        opening, closing = coa_kernel.over_paths("running_stock", shape, (net,), (self.initial,), 2)
        floor = -1e-6 * np.maximum(1.0, np.abs(np.asarray(self.initial, dtype=float)))
        below = closing < np.expand_dims(floor, -1)
        if below.any():
            month = int(np.argmax(below.any(axis=tuple(range(below.ndim - 1))))) + 1
            raise MppError(f"stock {self.name} would become negative in month {month} of the horizon: check its "
                           f"inflows and outflows")
        self.opening, self.closing = opening, closing
        return self


def drain(initial, inflow: np.ndarray, stay=None, target=None) -> tuple[np.ndarray, np.ndarray]:
    """Run a stock month by month whose outflow is the opening stock over ``stay`` (months, at least 1) or, with
    ``target`` instead, what is available above the target; capped by what is there. Returns (outflow, closing),
    shaped like ``inflow`` ((..., T): leading axes are paths); ``available`` = opening + this month's inflow."""
    by_stay = stay is not None
    series = (inflow, np.maximum(stay, 1.0) if by_stay else 1.0, 0.0 if by_stay else target)
    out, closing = coa_kernel.over_paths("drain_stock", np.shape(inflow), series, (initial,), 2, before=(by_stay,))
    return out, closing
