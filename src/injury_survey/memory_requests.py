"""Memory each notebook job asks the scheduler for, scaled by the size of the job's inputs.

A job's peak resident memory grows with the survey it reads: a fixed overhead (Python, pandas,
the kernel, the package) plus an amount per MB of input files (CSV tables for the cleaning, Parquet
tables after it). Both are measured per rule with ``benchmarks/bench_scale.py`` on the demo and on
surveys of 100k and 1M persons (``snakemake --benchmark-extended`` records each job's peak and the
size of its inputs); the measured table is ``tests/reference/memory_peaks.csv`` and
``benchmarks/README.md`` ("B3"). A rule's request is (overhead + slope × input MB) × 1.5, doubled
on each retry (profiles set ``retries``), so Snakemake can schedule a small machine for a town
survey and a large one for a province's pooled data without a hand-set ``mem_mb``.
"""

from __future__ import annotations

HEADROOM = 1.5
"""Requests are the modelled peak times this: peaks vary with the data's shape and the machine."""

# rule: (overhead MB, MB per MB of input files). Overhead: the largest demo peak of the rule's
# jobs (inputs of a few MB); slope: (peak at 1M − peak at 100k) / (input MB at 1M − at 100k),
# rounded up, or where only 100k was measured (peak − overhead) / input MB, rounded up.
MEMORY_MODEL: dict[str, tuple[float, float]] = {
    "clean_pilot": (390, 25.0),  # inputs barely grow: the pilot stays 250 households
    "plan_survey": (380, 9.0),  # 100k → 1M: 409 → 654 MB on 3.8 → 34.5 MB of inputs
    "clean_survey": (310, 8.0),  # 536 → 1684 MB on 17 → 166 MB (CSV)
    "compute_weights": (490, 33.0),  # 687 → 2388 MB on 7.3 → 61 MB
    "estimate_indicators": (470, 62.0),  # 623 → 1894 MB on 3.2 → 23.9 MB
    "injury_profile": (480, 32.0),  # 829 → 2203 MB on 6.6 → 49.7 MB
    "injury_burden": (500, 36.0),  # 820 → 2348 MB on 6.5 → 49.7 MB
    "risk_factors": (490, 40.0),  # 873 → 2577 MB on 6.5 → 49.7 MB
    "programme_indicators": (530, 38.0),  # 575 → 794 MB on 6.7 → 50 MB (1,114 MB seen once)
    "evaluation": (580, 130.0),  # not in the benchmark: as the estimates, which it repeats
    "report_figures": (480, 20.0),  # 602 → 1678 MB on 6.8 → 50 MB
    "final_report": (440, 20.0),  # 561 → 697 MB on 2.0 → 6.2 MB
}


def modelled_peak_mb(rule: str, input_mb: float) -> float:
    """The peak resident memory (MB) the model expects of ``rule`` on ``input_mb`` of inputs."""
    if rule not in MEMORY_MODEL:
        raise KeyError(
            f"no memory model for rule {rule!r}; add it to MEMORY_MODEL in "
            "injury_survey/memory_requests.py from a benchmark run (benchmarks/bench_scale.py)"
        )
    overhead, per_input_mb = MEMORY_MODEL[rule]
    return overhead + per_input_mb * max(float(input_mb), 0.0)


def memory_request_mb(rule: str, input_mb: float, attempt: int = 1) -> int:
    """``mem_mb`` for a job of ``rule`` whose input files total ``input_mb``: the modelled peak
    with half again as headroom, doubled on each retry after running out of memory."""
    return int(modelled_peak_mb(rule, input_mb) * HEADROOM * 2 ** (attempt - 1))
