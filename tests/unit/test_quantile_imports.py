"""The t and normal quantiles behind the confidence intervals and sample sizes come from
``scipy.special`` (0.2 s to import) instead of ``scipy.stats`` (0.5–1 s, which every notebook job
paid): the numbers must be exactly those of the ``scipy.stats`` distributions they replace, the
oracle here. Beta quantiles (exact and Korn–Graubard intervals) still come from scipy.stats,
imported inside the functions that need them."""

import math
import subprocess
import sys

import pytest
from scipy import stats

from injury_survey.confidence_intervals import korn_graubard_ci, logit_ci, t_quantile
from injury_survey.sample_size import _z, persons_to_detect_change

CONFIDENCES = [0.8, 0.9, 0.95, 0.99, 0.999]
DEGREES = [1, 2, 3, 4, 7, 12, 29, 30, 57, 120, 1000, 1e6]


@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_t_and_normal_quantiles_equal_scipy_stats(confidence):
    for df in DEGREES:
        assert t_quantile(confidence, df) == float(stats.t.ppf(1 - (1 - confidence) / 2, df))
    assert _z(confidence) == float(stats.norm.ppf(1 - (1 - confidence) / 2))


def test_korn_graubard_interval_equals_the_scipy_stats_formula():
    for p, se, df, n in [(0.05, 0.01, 20, 3000), (0.3, 0.04, 7, 400), (0.001, 0.0008, 60, 9000)]:
        alpha = 1 - 0.95  # as the function computes it (not exactly 0.05)
        ratio = stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, df)
        n_eff = p * (1 - p) / se**2 * ratio**2
        lower = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        upper = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        assert korn_graubard_ci(p, se, df, n) == (float(lower), float(upper))
        assert all(0 < bound < 1 for bound in logit_ci(p, se, df))


def test_detectable_change_uses_the_normal_quantiles_of_scipy_stats():
    # Fleiss (1981), docs/methods.md §5.3, written out with z from scipy.stats.
    p1, p2, deff = 0.2, 0.15, 2.0
    p_bar = (p1 + p2) / 2
    root = stats.norm.ppf(0.975) * math.sqrt(2 * p_bar * (1 - p_bar))
    root += stats.norm.ppf(0.8) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    assert persons_to_detect_change(p1, p2, deff, 0.05, 0.8) == deff * root**2 / (p1 - p2) ** 2


def test_interval_modules_do_not_import_scipy_stats_or_optimize():
    modules = "injury_survey.confidence_intervals, injury_survey.pilot, injury_survey.plan"
    program = (
        f"import sys, {modules}, injury_survey.sample_size, injury_survey.two_stage_variance\n"
        "print(sorted(m for m in ('scipy.stats', 'scipy.optimize') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
