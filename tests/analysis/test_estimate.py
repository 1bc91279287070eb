"""Priors, the posterior's residuals, its maximum and what the data determine."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mscnk.analysis import (Posterior, Prior, calibrate, information, load_findings, maximise,
                            prior_of, priors_of)
from mscnk.analysis._estimate import _probit_residual
from mscnk.analysis._priors import RANGE_Z
from mscnk.scenarios import load_scenario, scenario_parameters


@pytest.mark.parametrize("prior", [Prior("a", 0.01, 10.0, "log"), Prior("b", 0.0, 0.5, "logit")])
def test_prior_coordinates_round_trip_and_put_the_range_at_1_96_sd(prior):
    z = np.linspace(-3, 3, 13)
    assert np.allclose(prior.to_z(prior.from_z(z)), z)
    assert np.allclose(prior.from_z(np.array([-RANGE_Z, RANGE_Z]))[0],
                       prior.lower if prior.transform == "log"
                       else prior.lower + 0.025 * (prior.upper - prior.lower))
    assert prior.lower < prior.centre < prior.upper


def test_a_log_prior_is_centred_on_the_geometric_middle_of_its_range():
    assert Prior("a", 0.01, 10.0, "log").centre == pytest.approx(math.sqrt(0.1))


def test_every_declared_parameter_has_a_prior():
    names = list(scenario_parameters(load_scenario(None)))
    priors = priors_of(names)
    assert [p.name for p in priors] == names
    assert all(p.transform == ("log" if p.lower > 0 else "logit") for p in priors)


def test_probit_residual_falls_as_the_margin_grows():
    margins = np.linspace(-1, 1, 21)
    residuals = [_probit_residual(m, 0.1) for m in margins]
    assert all(a > b for a, b in zip(residuals, residuals[1:]))
    assert _probit_residual(0.0, 0.1) ** 2 / 2 == pytest.approx(math.log(2))


#: NK cells alone with IL-2 for 4 days: their expansion depends on the division rate only
#: among these two parameters (no MSC secretes PGE2 in this well).
EXPANSION = {"id": "T1", "claim": "IL-2 NK cells expand", "source": "test",
             "base": {"duration_h": 96, "msc": {"cells": 0},
                      "nk": {"cells": 100000, "activation": {"il2_u_ml": 100},
                             "preactivation_h": 0}},
             "conditions": {"il2": {}},
             "expect": [{"readout": "nk_fold_expansion", "in": "il2", "between": [6.0, 9.0]}]}


@pytest.fixture(scope="module")
def posterior():
    return Posterior(load_findings([EXPANSION]), ["k_nk_division", "q_pge2"])


def test_residuals_put_the_prior_first_and_the_jacobian_of_the_prior_is_the_identity(posterior):
    z = np.array([0.3, -0.2])
    residuals = posterior.residuals(z)
    assert np.array_equal(residuals[:2], z)
    assert len(residuals) == 2 + 2  # the bound's margin and its squared error from the middle
    jacobian = posterior.jacobian(z)
    assert np.allclose(jacobian[:2], np.eye(2))
    # faster division raises expansion towards the range: both data residuals shrink
    assert np.all(residuals[2:] * jacobian[2:, 0] < 0)
    assert np.allclose(jacobian[2:, 1], 0.0)  # no MSC, so PGE2 output changes nothing


def test_the_maximum_moves_the_division_rate_into_the_range_and_leaves_pge2_at_its_prior(
        posterior):
    start = posterior.residuals(np.zeros(2))
    estimate = maximise(posterior, max_evaluations=15)
    assert estimate.passed == 1 and estimate.total == 1
    assert estimate.z[0] > 0 and abs(estimate.z[1]) < 1e-6
    assert estimate.negative_log_posterior < 0.5 * float(start @ start)
    info = information(posterior, estimate.z)
    assert info.determined().tolist() == [True, False]
    low, high = info.interval(posterior.priors[0], 0)
    assert low < estimate.values["k_nk_division"] < high


def test_calibrate_returns_the_undetermined_to_its_prior_median():
    result = calibrate(load_findings([EXPANSION]), ["k_nk_division", "q_pge2"],
                       max_evaluations=15)
    assert result.determined == {"k_nk_division": True, "q_pge2": False}
    assert result.values["q_pge2"] == pytest.approx(prior_of("q_pge2").centre)
    assert set(result.intervals) == {"k_nk_division"}
    assert result.passed == 1


def test_reset_cost_is_the_profiled_rise_of_a_quadratic_posterior():
    from mscnk.analysis import Information
    from mscnk.analysis._calibration import _returnable

    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    hessian = a @ a.T + np.eye(6)
    mode = rng.normal(size=6)
    info = Information(tuple("abcdef"), mode, np.linalg.inv(hessian), np.ones(6))
    chosen = [1, 4]
    free = [i for i in range(6) if i not in chosen]
    # minimise 0.5 (z - mode)' H (z - mode) with z[chosen] = 0: solve for the free block
    z = np.zeros(6)
    z[free] = mode[free] + np.linalg.solve(hessian[np.ix_(free, free)],
                                           hessian[np.ix_(free, chosen)] @ mode[chosen])
    rise = 0.5 * (z - mode) @ hessian @ (z - mode)
    assert info.reset_cost(chosen) == pytest.approx(rise)
    returned = _returnable(info, 1.0)
    assert info.reset_cost(returned) <= 1.0
    order = list(np.argsort(info.wald, kind="stable"))
    assert returned == order[:len(returned)]
    if len(returned) < 6:
        assert info.reset_cost(order[:len(returned) + 1]) > 1.0
