"""Memory requests scale with input size and cover every peak measured (issue #13, B3).

The measured peaks are data from outside the code: ``tests/reference/memory_peaks.csv``, copied
from Snakemake's ``--benchmark-extended`` files of real runs (``benchmarks/bench_scale.py`` at 100k
and 1M persons; the demo's peaks from ``benchmarks/README.md``, with its few MB of inputs counted
as 0, the harder comparison since requests grow with input size).
"""

import re
from pathlib import Path

import pandas as pd
import pytest

from injury_survey.memory_requests import MEMORY_MODEL, memory_request_mb

REPO = Path(__file__).resolve().parents[2]
PEAKS = pd.read_csv(REPO / "tests" / "reference" / "memory_peaks.csv", comment="#")


@pytest.mark.parametrize(
    "row", PEAKS.to_dict("records"), ids=lambda r: f"{r['rule']}-{r['survey']}"
)
def test_request_covers_the_measured_peak(row):
    assert memory_request_mb(row["rule"], row["input_mb"]) >= row["peak_mb"]


def test_request_grows_with_inputs_and_doubles_on_retry():
    small, large = memory_request_mb("risk_factors", 5), memory_request_mb("risk_factors", 60)
    assert large > small
    assert memory_request_mb("risk_factors", 60, attempt=2) == 2 * large


def test_every_rule_that_asks_for_memory_has_a_model():
    asked = set()
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        asked |= set(re.findall(r'memory_mb\("(\w+)"\)', smk.read_text(encoding="utf-8")))
    assert asked and asked <= set(MEMORY_MODEL)
