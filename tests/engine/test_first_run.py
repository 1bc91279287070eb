"""A first run that talks and is fast, and a light ``import mscnk``.

* ``import mscnk`` loads none of the heavy libraries (they load on first use);
* building code that is not cached says so through the ``mscnk`` logger, with the time taken;
* on a machine whose batch kernel is not compiled, ``mscnk.simulate`` answers with the
  reference engine (recorded in ``Result.engine``) and agrees with the batched engine within
  the accuracy tested in ``test_engine_accuracy.py``, while the kernel compiles in a
  background process that fills the cache for later runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEAVY = ("sympy", "scipy", "pyarrow", "numba", "matplotlib", "dask", "distributed", "duckdb")


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, env={**os.environ, **env}, timeout=600)
    assert run.returncode == 0, run.stderr
    return run


def test_import_mscnk_loads_no_heavy_library():
    run = _python("""
        import json, sys
        import mscnk
        print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
    """)
    loaded = set(json.loads(run.stdout))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_a_sweep_runs_without_the_scipy_integrators():
    """``mscnk run`` on the batched engine never needs ``scipy.integrate`` (a few tenths of
    a second of start-up). (pandas it gets anyway: pyarrow imports it on its first array.)"""
    run = _python("""
        import sys, tempfile
        from mscnk.runs import InProcess, run_sweep
        with tempfile.TemporaryDirectory() as folder:
            run_sweep({"sweep": {"ratio": [1, 2]}}, folder + "/run", executor=InProcess(1))
        print("scipy.integrate" in sys.modules)
    """)
    assert run.stdout.strip() == "False", run.stdout


def test_public_names_still_work():
    run = _python("""
        import mscnk
        from mscnk import simulate, Condition, ConditionError, Simulator, BatchEngine, validate
        missing = [name for name in mscnk.__all__ if getattr(mscnk, name, None) is None]
        assert not missing, missing
        assert set(mscnk.__all__) <= set(dir(mscnk))
        assert callable(mscnk.store.load) and callable(mscnk.runs.run_sweep)  # subpackages
        print(mscnk.__version__)
    """)
    assert run.stdout.strip()
    with pytest.raises(AttributeError, match="no_such_name"):
        import mscnk

        mscnk.no_such_name  # noqa: B018


def test_generating_model_code_is_logged(tmp_path, monkeypatch, caplog):
    from mscnk.model import compile_model, declare_model
    from mscnk.scenarios import load_scenario

    scenario = load_scenario("coculture")

    def build_model():  # a new model object each time (compile_model keeps one per model)
        return declare_model(scenario.modules, scenario.parameter_table)

    monkeypatch.setenv("MSCNK_CACHE_DIR", str(tmp_path / "cache"))
    with caplog.at_level(logging.INFO, logger="mscnk"):
        compile_model(build_model())
    messages = [r.getMessage() for r in caplog.records if r.name == "mscnk"]
    assert any(m.startswith("generating the model's code with SymPy (once; about") for m in messages)
    assert any(m.startswith("generated in ") and m.endswith(" s") for m in messages)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mscnk"):
        compile_model(build_model())  # cached now: nothing to say
    assert not [r for r in caplog.records if r.name == "mscnk"]


def test_compiling_a_kernel_is_logged_with_its_time(tmp_path, monkeypatch, caplog):
    import sympy as sp

    from mscnk.engine._kernel import kernel_for_field

    monkeypatch.setenv("MSCNK_CACHE_DIR", str(tmp_path / "cache"))
    a, k = sp.symbols("a k")
    with caplog.at_level(logging.INFO, logger="mscnk"):
        kernel_for_field([-k * a], [a], [k], [], key="first-run-test")
    messages = [r.getMessage() for r in caplog.records if r.name == "mscnk"]
    assert any(m.startswith("compiling the batch kernel for this machine (once; about")
               for m in messages), messages
    assert any(m.startswith("compiled in ") and m.endswith(" s") for m in messages), messages
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mscnk"):
        kernel_for_field([-k * a], [a], [k], [], key="first-run-test")  # from the cache
    assert not [r for r in caplog.records if r.name == "mscnk"]


FIRST_SIMULATE = """
    import json, logging, sys
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    import mscnk
    result = mscnk.simulate({})
    again = mscnk.simulate({"ratio": 3})
    print(json.dumps({"engine": result.engine, "again": again.engine,
                      "readouts": result.readouts}))
"""


def test_a_cold_first_simulate_uses_the_reference_engine_then_the_kernel_is_cached(
        tmp_path, simulator):
    from mscnk.analysis import readout_difference

    cache = tmp_path / "cache"
    run = _python(FIRST_SIMULATE, MSCNK_CACHE_DIR=str(cache))
    first = json.loads(run.stdout)
    assert first["engine"].startswith("ScipyEngine(") and first["again"] == first["engine"]
    assert "reference engine" in run.stderr and "background" in run.stderr
    batched = simulator.simulate({})
    assert batched.engine.startswith("BatchEngine(")
    worst, where = readout_difference(first["readouts"], batched.readouts)
    assert worst <= 1e-4, where
    # while the background process compiles, a process that needs the kernel waits for it
    # (the compile lock) and loads its work instead of compiling a second time
    waiter = _python("""
        import logging, sys
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        from mscnk.engine import BatchEngine
        from mscnk.scenarios import load_scenario
        BatchEngine().kernel(load_scenario("coculture").compiled)
    """, MSCNK_CACHE_DIR=str(cache))
    assert "compiling the batch kernel for this machine" not in waiter.stderr, waiter.stderr
    later = json.loads(_python(FIRST_SIMULATE, MSCNK_CACHE_DIR=str(cache)).stdout)
    assert later["engine"].startswith("BatchEngine(")
    assert later["readouts"] == pytest.approx(batched.readouts, rel=0, abs=0, nan_ok=True)


def test_the_demo_report_says_which_engine_produced_it(tmp_path, monkeypatch):
    """On a cold machine the demo answers from the reference engine, and its report says so
    (the documented figures come from the batched engine, which the report names too)."""
    import mscnk.report._demo as demo
    from mscnk.engine import BatchEngine, ScipyEngine

    monkeypatch.setattr(demo, "quick_engine", lambda model, source: ScipyEngine())
    page = demo.build_demo(tmp_path / "demo").read_text(encoding="utf-8")
    assert "by the reference engine (<code>ScipyEngine(" in page
    assert "the batched engine (<code>BatchEngine(" in demo._engine_line(BatchEngine())


def test_the_first_run_engine_agrees_with_the_batched_one_on_every_finding_condition(simulator):
    """What a cold ``mscnk.simulate`` answers with is held to the accuracy of
    ``test_engine_accuracy.py``: 1e-4 relative, with per-unit floors."""
    from mscnk.analysis import load_findings, readout_difference
    from mscnk.engine._warm import REFERENCE
    from mscnk.experiment import Simulator

    data = Path(__file__).resolve().parents[1] / "data"
    conditions = {f"{finding.id}:{name}": condition
                  for path in ("seed_findings.yaml", "quant_findings.yaml")
                  for finding in load_findings(data / path)
                  for name, condition in finding.resolved_conditions().items()}
    assert len(conditions) >= 100
    reference = Simulator(engine=REFERENCE)
    failures = []
    for label, condition in conditions.items():
        worst, where = readout_difference(reference.simulate(condition).readouts,
                                          simulator.simulate(condition).readouts)
        if worst > 1e-4:
            failures.append(f"{label}: {worst:.2e} ({where})")
    assert not failures, "\n".join(failures)
