"""One run, stepped by hand: the model behind the dashboard's *Watch one run* page.

:class:`WatchedRun` owns one :class:`~simulation.model.OrgModel` built exactly as
:func:`simulation.run` builds it (same scenario, same seed, so the same days), and steps it a
day or a quarter at a time. After each step it reads what the page shows from the model's
own daily recorder (lead stages, trust both ways, bookings) and the speed to lead of the
marketing MQLs touched so far (the run summary's definition, :func:`simulation.metrics.summarize`).

Mesa's ``SolaraViz`` drives a model the same way (play / pause / step / reset), but it reads
a Mesa ``DataCollector`` and builds its own page; orgsim records its days in numpy columns
and shows the run inside its own dashboard, so the page is built here with the same controls.
Nothing here imports solara.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..metrics import summarize
from ..model import OrgModel
from ..runner import _release
from ..scenario import WORKING_DAYS_PER_QUARTER, Scenario

STAGES = ("inquiry", "mql", "sal", "sql", "won", "lost", "rejected", "never_worked", "recycled", "no_decision")
"""Lead stages shown, in funnel order (the recorder's ``stage_<name>`` columns)."""


@dataclass(frozen=True)
class Snapshot:
    """What the page shows after a step."""

    day: int
    horizon: int
    quarter: int
    stages: dict[str, int]
    trust_sales_in_marketing: float
    trust_marketing_in_sales: float
    bookings: float
    pipeline_created: float
    median_speed_to_lead_hours: float
    daily: pd.DataFrame

    @property
    def finished(self) -> bool:
        return self.day >= self.horizon


class WatchedRun:
    """One run of ``scenario`` with ``seed``, stepped on demand; ``days`` overrides the horizon."""

    def __init__(self, scenario: Scenario, seed: int = 0, days: int | None = None) -> None:
        if days is not None:
            scenario = scenario.with_overrides({"horizon_days": days}, "days")
        self.scenario = scenario
        self.seed = seed
        self.speeds: list[float] = []
        self.model = OrgModel(scenario, seed=seed)

    @property
    def day(self) -> int:
        return self.model.day

    @property
    def horizon(self) -> int:
        return self.scenario.horizon_days

    def step(self, days: int = 1) -> Snapshot:
        """Advance ``days`` working days (never past the horizon)."""
        for _ in range(max(0, min(days, self.horizon - self.day))):
            self.model.step()
            self.speeds.append(self._median_speed())
        return self.snapshot()

    def step_quarter(self) -> Snapshot:
        """Advance to the end of the current quarter (63 working days a quarter)."""
        left = WORKING_DAYS_PER_QUARTER - self.day % WORKING_DAYS_PER_QUARTER
        return self.step(left)

    def reset(self) -> Snapshot:
        """Start the same run again from day 0 (same scenario, same seed: the same days)."""
        _release(self.model)
        self.speeds = []
        self.model = OrgModel(self.scenario, seed=self.seed)
        return self.snapshot()

    def _median_speed(self) -> float:
        # Only the speed column of the summary is needed, but summarize is the one definition.
        return float(summarize(self.model)["median_speed_to_lead_hours"])

    def snapshot(self) -> Snapshot:
        daily = self.model.recorder.frame()
        if len(daily):
            daily = daily.assign(median_speed_to_lead_hours=self.speeds[: len(daily)])
            last = daily.iloc[-1]
            stages = {name: int(last[f"stage_{name}"]) for name in STAGES}
            trust = (float(last["trust_sales_in_marketing"]), float(last["trust_marketing_in_sales"]))
            bookings, pipeline = float(last["bookings_cumulative"]), float(last["pipeline_created"])  # both cumulative
        else:
            stages = dict.fromkeys(STAGES, 0)
            b = self.scenario.behaviour
            trust = (b.trust_initial_sales_in_marketing, b.trust_initial_marketing_in_sales)
            bookings = pipeline = 0.0
        speed = self.speeds[-1] if self.speeds else float("nan")
        return Snapshot(
            day=self.day,
            horizon=self.horizon,
            quarter=(max(self.day, 1) - 1) // WORKING_DAYS_PER_QUARTER + 1,  # day 63 closes quarter 1
            stages=stages,
            trust_sales_in_marketing=trust[0],
            trust_marketing_in_sales=trust[1],
            bookings=bookings,
            pipeline_created=pipeline,
            median_speed_to_lead_hours=speed,
            daily=daily,
        )
