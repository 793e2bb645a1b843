"""The case-level penalty simulation written as a plain per-case Python loop (the benchmark's reference).

It follows ``mpp_xl.penalties._kernel`` (from the notice on) step by step for one case at a time, with the same uniform draws,
so its result equals the vectorised simulation (tests/test_bench_reference.py checks that).
"""

import math

import numpy as np

from mpp_xl.penalties import COMPONENTS, COUNTS
from mpp_xl.timegrid import DAYS_PER_MONTH, WEEKS_PER_MONTH


def simulate_loop(cases, params, size: int, draws: dict) -> dict:
    """cases: LegalRows of noticed cases; returns {'amounts': {...}, 'counts': {...}} per month."""
    series = {name: values.tolist() for name, values in params.series.items()}
    last = size - 1
    amounts = {c: [0.0] * size for c in COMPONENTS}
    counts = {c: [0.0] * size for c in COUNTS}

    def at(name, t):
        values = series[name]
        return values[min(max(math.floor(t), 0), len(values) - 1)]

    def point(target, t, value):
        month = math.floor(t)
        if 0 <= month <= last and value != 0:
            target[month] += value

    def linear(target, start, end, rate):
        if end <= start or rate == 0:
            return
        month = math.floor(start)
        while month < end:
            overlap = min(end, month + 1) - max(start, month)
            if 0 <= month <= last and overlap > 0:
                target[month] += overlap * rate
            month += 1

    u = {k: v.tolist() for k, v in draws.items()}
    rows = zip(cases.notice.tolist(), cases.heard.tolist(), cases.decided.tolist(), cases.cases.tolist())
    for i, (notice, heard, decided, weight) in enumerate(rows):
        appeal = notice + at("appeal_wait_weeks", notice) / WEEKS_PER_MONTH
        if at("admin_applies", notice):
            tier, cap, paid = at("admin.tier_days", appeal) / DAYS_PER_MONTH, at("admin.cap", appeal), 0.0
            for index, name in enumerate(("admin.tier1_per_day", "admin.tier2_per_day", "admin.tier3_per_day")):
                rate = at(name, appeal) * DAYS_PER_MONTH
                tier_start = appeal + index * tier
                room = max(cap - paid, 0.0)
                length = room / rate if index == 2 else min(tier, room / rate)
                linear(amounts["admin_penalty"], tier_start, min(decided, tier_start + length), rate * weight)
                paid += rate * length
        if not decided > appeal:
            continue
        point(counts["appeals"], appeal, weight)
        judgment = appeal + at("judgment_months", appeal)
        point(amounts["costs"], min(judgment, decided), weight * (at("legal_costs", judgment) + at("court_fee", judgment)))
        term = at("term_weeks.heard", judgment) if heard > 0 else at("term_weeks.not_heard", judgment)
        start = judgment + term / WEEKS_PER_MONTH
        if not decided > start:
            continue
        high = u["high_cap"][i] < at("share_high_cap", judgment)
        rate = at("per_day", start) * DAYS_PER_MONTH
        cap = at("cap.high", judgment) if high else at("cap.standard", judgment)
        linear(amounts["court_penalty"], start, min(decided, start + cap / rate), rate * weight)
        if not u["repeat"][i] < at("repeat.probability", start):
            continue
        repeat_judgment = start + at("repeat.lag_months", start)
        point(amounts["costs"], min(repeat_judgment, decided),
              weight * (at("legal_costs", repeat_judgment) + at("court_fee", repeat_judgment)))
        repeat_start = repeat_judgment + at("repeat.term_weeks", repeat_judgment) / WEEKS_PER_MONTH
        repeat_rate = at("repeat.per_day", repeat_start) * DAYS_PER_MONTH
        if decided > repeat_judgment:
            linear(amounts["repeat_penalty"], repeat_start,
                   min(decided, repeat_start + at("repeat.cap", repeat_judgment) / repeat_rate), repeat_rate * weight)
    return {"amounts": {k: np.array(v) for k, v in amounts.items()}, "counts": {k: np.array(v) for k, v in counts.items()}}
