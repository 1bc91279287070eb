"""Simulate chosen jobs of a stored run again, with their time courses.

A store keeps readouts, not trajectories (a 10^5-condition run would not fit); the jobs are
re-planned from the experiment and parameters recorded in ``run.json``, and the plan hash
proves they are the jobs that were run.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Sequence

from mscnk.experiment import Experiment, Job, load_experiment, plan_hash
from mscnk.experiment import Result, Simulator
from mscnk.store import RunStore, StoreError


def stored_jobs(path: str | Path) -> list[Job]:
    """The jobs of the run at ``path``, re-planned and checked against its plan hash."""
    experiment, base = _stored_plan(path)
    return experiment.jobs(base)


def _stored_plan(path: str | Path) -> tuple[Experiment, dict[str, float]]:
    """The run's experiment and base parameters, checked against its plan hash."""
    metadata = RunStore.open(path).metadata()
    experiment = load_experiment(metadata["experiment"], max_jobs=None,
                                 scenario=metadata.get("scenario"))
    base = metadata.get("base_parameters") or {}
    here = plan_hash(experiment, base)
    if here != metadata.get("plan_hash"):
        raise StoreError(f"{str(path)!r}: its experiment no longer plans to the same jobs "
                         f"with this mscnk (plan hash {here} here, "
                         f"{metadata.get('plan_hash')} in the run)")
    return experiment, base


def replay(path: str | Path, indices: Sequence[int]) -> list[tuple[Job, Result]]:
    """Each chosen job simulated again (with its parameter set), in the order given; jobs
    are re-made lazily up to the last one chosen (never the whole plan)."""
    experiment, base = _stored_plan(path)
    wanted = {int(i) for i in indices}
    last = max(wanted, default=-1)
    if last >= experiment.size or min(wanted, default=0) < 0:
        raise StoreError(f"{str(path)!r}: job {last if last >= experiment.size else min(wanted)} "
                         f"is not in this run (jobs 0 to {experiment.size - 1})")
    jobs = {job.index: job for job in itertools.islice(experiment.iter_jobs(base), last + 1)
            if job.index in wanted}
    simulators: dict[tuple, Simulator] = {}
    out = []
    for index in indices:
        job = jobs[int(index)]
        key = tuple(sorted(job.params.items()))
        if key not in simulators:
            simulators[key] = Simulator(experiment.scenario, job.params)
        out.append((job, simulators[key].simulate(job.condition)))
    return out
