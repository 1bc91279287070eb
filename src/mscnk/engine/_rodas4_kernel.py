"""RODAS4 (Hairer & Wanner 1996, Solving ODEs II, section IV.7) over a batch, for numba.

This file is not imported as it is: :mod:`mscnk.engine._kernel` appends the generated model
functions ``rhs``, ``jacobian_values``, ``lu_factor`` and ``lu_solve`` (with the constants
``N_JAC`` and ``N_LU``) to its text and compiles
the result with numba (cached on disk by model hash). RODAS4 is a 6-stage, L-stable,
stiffly accurate Rosenbrock method of order 4 with an embedded order-3 error estimate; it
needs one Jacobian and one LU per step and no Newton iteration, which suits a small stiff
model solved many times. Rates are evaluated at the non-negative part of the state, as in
the reference engine.

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

# Method coefficients (Hairer & Wanner, RODAS4 as in rodas.f, transformed formulation:
# (I/(h*gamma) - J) k_i = f(y + sum a_ij k_j) + sum c_ij k_j / h).
GAMMA = 0.25
A21 = 1.544
A31 = 0.9466785280815826
A32 = 0.2557011698983284
A41 = 3.314825187068521
A42 = 2.896124015972201
A43 = 0.9986419139977817
A51 = 1.221224509226641
A52 = 6.019134481288629
A53 = 12.53708332932087
A54 = -0.6878860361058950
C21 = -5.6688
C31 = -2.430093356833875
C32 = -0.2063599157091915
C41 = -0.1073529058151375
C42 = -9.594562251023355
C43 = -20.47028614809616
C51 = 7.496443313967647
C52 = -10.24680431464352
C53 = -33.99990352819905
C54 = 11.70890893206160
C61 = 8.083246795921522
C62 = -7.981132988064893
C63 = -31.52159432874371
C64 = 16.31930543123136
C65 = -6.058818238834054

SAFETY = 0.9
MOST_SHRINK = 5.0  # h may shrink to h/5 after one step ...
MOST_GROWTH = 1.0 / 6.0  # ... and grow to 6h


@njit(cache=True, error_model="numpy")
def _positive(y, out):
    for i in range(y.shape[0]):
        out[i] = y[i] if y[i] > 0.0 else 0.0


@njit(cache=True, error_model="numpy")
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
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    k5 = np.empty(n)
    k6 = np.empty(n)
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
        _positive(y, clipped)
        jacobian_values(clipped, p, u, jac)
        rhs(clipped, p, u, f)
        evaluations += 1
        shift = 1.0 / (h_step * GAMMA)
        factorisations += 1
        if not lu_factor(jac, shift, lu, inv):
            h = 0.5 * h_step
            rejected += 1
            rejecting = True
            continue
        inv_h = 1.0 / h_step
        for i in range(n):
            k1[i] = f[i]
        lu_solve(lu, inv, k1)
        for i in range(n):
            stage[i] = y[i] + A21 * k1[i]
        _positive(stage, clipped)
        rhs(clipped, p, u, k2)
        for i in range(n):
            k2[i] += C21 * k1[i] * inv_h
        lu_solve(lu, inv, k2)
        for i in range(n):
            stage[i] = y[i] + A31 * k1[i] + A32 * k2[i]
        _positive(stage, clipped)
        rhs(clipped, p, u, k3)
        for i in range(n):
            k3[i] += (C31 * k1[i] + C32 * k2[i]) * inv_h
        lu_solve(lu, inv, k3)
        for i in range(n):
            stage[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
        _positive(stage, clipped)
        rhs(clipped, p, u, k4)
        for i in range(n):
            k4[i] += (C41 * k1[i] + C42 * k2[i] + C43 * k3[i]) * inv_h
        lu_solve(lu, inv, k4)
        for i in range(n):
            stage[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
        _positive(stage, clipped)
        rhs(clipped, p, u, k5)
        for i in range(n):
            k5[i] += (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i]) * inv_h
        lu_solve(lu, inv, k5)
        for i in range(n):
            stage[i] += k5[i]
        _positive(stage, clipped)
        rhs(clipped, p, u, k6)
        for i in range(n):
            k6[i] += (C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i]
                      + C65 * k5[i]) * inv_h
        lu_solve(lu, inv, k6)
        evaluations += 5
        total = 0.0
        for i in range(n):
            ynew[i] = stage[i] + k6[i]
            scale = atol[i] + rtol * max(abs(y[i]), abs(ynew[i]))
            ratio = k6[i] / scale
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
        grow = max(MOST_GROWTH, min(MOST_SHRINK, err ** 0.25 / SAFETY))
        h_new = h_step / grow
        if err <= 1.0:
            if accepted > 0:  # Gustafsson's predictive controller
                predicted = (last_accepted_h / h_step) * (err * err / last_accepted_err) ** 0.25
                predicted = max(MOST_GROWTH, min(MOST_SHRINK, predicted / SAFETY))
                h_new = h_step / max(grow, predicted)
            last_accepted_h = h_step
            last_accepted_err = max(1e-2, err)
            accepted += 1
            t = t_next if landing else t + h_step
            for i in range(n):
                y[i] = ynew[i]
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


@njit(cache=True, parallel=True, error_model="numpy")
def integrate_batch(states, params, inputs, times, rtol, atol, first_step, max_steps, out,
                    status, counters):
    """``integrate`` for every row of the batch (rows in parallel threads)."""
    for b in prange(states.shape[0]):
        status[b] = integrate(states[b], params[b], inputs[b], times[b], rtol, atol[b],
                              first_step, max_steps, out[b], counters[b])
