"""Simulate chosen jobs of a stored run again, with their time courses.

A store keeps readouts, not trajectories (a 10^5-condition run would not fit); the jobs are
re-planned from the experiment and parameters recorded in ``run.json``, and the plan hash
proves they are the jobs that were run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from mscnk.experiment._jobs import Job, load_experiment, plan_hash
from mscnk.experiment._simulate import Result, Simulator
from mscnk.store import RunStore, StoreError


def stored_jobs(path: str | Path) -> list[Job]:
    """The jobs of the run at ``path``, re-planned and checked against its plan hash."""
    metadata = RunStore.open(path).metadata()
    jobs = load_experiment(metadata["experiment"]).jobs(metadata.get("base_parameters") or {})
    if plan_hash(jobs) != metadata.get("plan_hash"):
        raise StoreError(f"{str(path)!r}: its experiment no longer plans to the same jobs "
                         f"with this mscnk (plan hash {plan_hash(jobs)} here, "
                         f"{metadata.get('plan_hash')} in the run)")
    return jobs


def replay(path: str | Path, indices: Sequence[int]) -> list[tuple[Job, Result]]:
    """Each chosen job simulated again (with its parameter set), in the order given."""
    jobs = stored_jobs(path)
    simulators: dict[tuple, Simulator] = {}
    out = []
    for index in indices:
        job = jobs[int(index)]
        key = tuple(sorted(job.params.items()))
        if key not in simulators:
            simulators[key] = Simulator(job.params)
        out.append((job, simulators[key].simulate(job.condition)))
    return out
