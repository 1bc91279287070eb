"""Stiffly accurate Rosenbrock methods (RODAS4, RODAS5P) over a batch, for numba.

This file is not imported as it is: :mod:`mscnk.engine._kernel` appends the generated model
functions ``rhs``, ``jacobian_values``, ``lu_factor`` and ``lu_solve`` (with the constants
``N_JAC`` and ``N_LU``) and the stages of one method, ``rosenbrock_stages`` with ``STAGES``,
``GAMMA`` and ``ORDER``, generated from its tableau (:mod:`mscnk.engine._tableaus`), to its
text and compiles the result with numba (cached on disk by model hash and method). Each step
needs one Jacobian and one sparse LU and no Newton iteration, which suits a small stiff model
solved many times. Rates are evaluated at the non-negative part of the state, as in the reference
engine.

Status codes per condition (``STATUS_*``) are values, never exceptions: a failing condition
does not stop the batch.
"""
# ruff: noqa: F821  (the model and LU functions are defined by the generated part)

import math

import numpy as np
from numba import njit, prange

STATUS_OK = 0
STATUS_MAX_STEPS = 1
STATUS_STEP_TOO_SMALL = 2
STATUS_NOT_FINITE = 3

SAFETY = 0.9
MOST_SHRINK = 5.0  # h may shrink to h/5 after one step ...
MOST_GROWTH = 1.0 / 6.0  # ... and grow to 6h


@njit(cache=True, error_model="numpy")
def _positive(y, out):
    for i in range(y.shape[0]):
        out[i] = y[i] if y[i] > 0.0 else 0.0


@njit(cache=True, nogil=True, error_model="numpy")  # nogil: Python threads run rows at once
def integrate(y0, p, u, times, rtol, atol, first_step, max_steps, out, counters):
    """Integrate one condition from times[0]; write the state at each time into ``out``.

    ``atol`` is per species; ``counters`` receives (accepted steps, rejected steps, rhs
    evaluations, LU factorisations). Returns a STATUS_* code.
    """
    n = y0.shape[0]
    y = y0.copy()
    ynew = np.empty(n)
    stage = np.empty(n)
    clipped = np.empty(n)
    f = np.empty(n)
    k = np.empty((STAGES, n))
    last = k[STAGES - 1]
    exponent = 1.0 / ORDER  # the error estimate is of order ``ORDER - 1``
    jac = np.empty(N_JAC)
    lu = np.empty(N_LU)
    inv = np.empty(n)
    for i in range(n):
        out[0, i] = y[i]
    t = times[0]
    t_end = times[times.shape[0] - 1]
    span = t_end - t
    h = first_step if first_step > 0.0 else 1e-4 * max(span, 1e-12)
    accepted = 0
    rejected = 0
    evaluations = 0
    factorisations = 0
    last_accepted_h = 0.0
    last_accepted_err = 0.0
    rejecting = False
    fresh = False
    target = 1
    while target < times.shape[0] and times[target] <= t:
        for i in range(n):
            out[target, i] = y[i]
        target += 1
    status = STATUS_OK
    while target < times.shape[0]:
        if accepted + rejected >= max_steps:
            status = STATUS_MAX_STEPS
            break
        if h < 1e-14 * max(abs(t), span, 1e-300):
            status = STATUS_STEP_TOO_SMALL
            break
        t_next = times[target]
        landing = False
        h_step = h
        if t + 1.0001 * h_step >= t_next:
            h_step = t_next - t
            landing = True
        if not fresh:  # f and J at y, kept over rejected attempts from the same y
            _positive(y, clipped)
            jacobian_values(clipped, p, u, jac)
            rhs(clipped, p, u, f)
            evaluations += 1
            fresh = True
        shift = 1.0 / (h_step * GAMMA)
        factorisations += 1
        if not lu_factor(jac, shift, lu, inv):
            h = 0.5 * h_step
            rejected += 1
            rejecting = True
            continue
        inv_h = 1.0 / h_step
        rosenbrock_stages(y, f, p, u, lu, inv, inv_h, k, stage, clipped)
        evaluations += STAGES - 1
        total = 0.0
        for i in range(n):
            ynew[i] = stage[i] + last[i]
            scale = atol[i] + rtol * max(abs(y[i]), abs(ynew[i]))
            ratio = last[i] / scale
            total += ratio * ratio
        err = math.sqrt(total / n)
        if not math.isfinite(err):
            h = 0.2 * h_step
            rejected += 1
            rejecting = True
            if not np.all(np.isfinite(y)):
                status = STATUS_NOT_FINITE
                break
            continue
        grow = max(MOST_GROWTH, min(MOST_SHRINK, err ** exponent / SAFETY))
        h_new = h_step / grow
        if err <= 1.0:
            if accepted > 0:  # Gustafsson's predictive controller
                predicted = (last_accepted_h / h_step) * (err * err / last_accepted_err) ** exponent
                predicted = max(MOST_GROWTH, min(MOST_SHRINK, predicted / SAFETY))
                h_new = h_step / max(grow, predicted)
            last_accepted_h = h_step
            last_accepted_err = max(1e-2, err)
            accepted += 1
            t = t_next if landing else t + h_step
            for i in range(n):
                y[i] = ynew[i]
            fresh = False
            if rejecting:
                h_new = min(h_new, h_step)
            rejecting = False
            if landing:
                h_new = max(h_new, h)  # a shortened landing step does not shrink the next
            while target < times.shape[0] and times[target] <= t:
                for i in range(n):
                    out[target, i] = y[i]
                target += 1
            h = h_new
        else:
            rejected += 1
            if rejecting:
                h_new = h_step / MOST_SHRINK * 0.5
            rejecting = True
            h = h_new
    for q in range(target, times.shape[0]):
        for i in range(n):
            out[q, i] = math.nan
    counters[0] = accepted
    counters[1] = rejected
    counters[2] = evaluations
    counters[3] = factorisations
    return status


@njit(cache=True, nogil=True, error_model="numpy")
def integrate_rows(states, params, inputs, times, rtol, atol, first_step, max_steps, out,
                   status, counters):
    """``integrate`` for every row of the batch, one after another in this thread (no thread
    pool: safe to call from several Python threads at once)."""
    for b in range(states.shape[0]):
        status[b] = integrate(states[b], params[b], inputs[b], times[b], rtol, atol[b],
                              first_step, max_steps, out[b], counters[b])


@njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def integrate_batch(states, params, inputs, times, rtol, atol, first_step, max_steps, out,
                    status, counters):
    """``integrate`` for every row of the batch (rows in parallel threads)."""
    for b in prange(states.shape[0]):
        status[b] = integrate(states[b], params[b], inputs[b], times[b], rtol, atol[b],
                              first_step, max_steps, out[b], counters[b])
