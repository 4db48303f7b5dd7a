"""Regenerate a synthetic survey folder: ``python -m injury_survey.simulate --out data/raw --seed 20261129``.

``--persons 1000000 --out FOLDER`` writes a scale-benchmark survey instead (config and data/raw
under FOLDER; :mod:`injury_survey.simulate.scaled`).
"""

from __future__ import annotations

import argparse
import sys

from injury_survey.simulate.evaluation_waves import write_evaluation_waves
from injury_survey.simulate.scaled import write_scaled_survey
from injury_survey.simulate.survey_folder import PRESETS, write_survey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m injury_survey.simulate",
        description="Write a SYNTHETIC community injury survey (frame, census, pilot, baseline) "
        "in the docs/input-tables.md layout, with a README and, optionally, its truth file.",
    )
    parser.add_argument("--out", required=True, help="survey data folder to write, e.g. data/raw")
    parser.add_argument("--seed", type=int, required=True, help="non-negative integer seed")
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), default="demo", help="survey size (default demo)"
    )
    parser.add_argument(
        "--persons",
        type=int,
        help="write a scale-benchmark survey of about this many baseline persons (the demo town "
        "replicated; config.yaml and data/raw/ under --out), e.g. 1000000",
    )
    parser.add_argument(
        "--truth", help="write the truth (JSON) here, e.g. tests/fixtures/demo_truth.json"
    )
    parser.add_argument(
        "--evaluation-waves",
        action="store_true",
        help="write only the evaluation waves (followup/, comparison/) of the same seed, leaving "
        "the baseline files alone",
    )
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error("--seed must be a non-negative integer")

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.persons is not None:
        if args.persons < 1:
            parser.error("--persons must be a positive integer")
        written = write_scaled_survey(args.out, seed=args.seed, persons=args.persons, progress=say)
        print(
            f"Scale survey (SYNTHETIC, {written['copies']} copies of the demo town): "
            f"{written['persons']} persons, {written['households']} households, "
            f"{written['episodes']} episodes in {written['psus']} sampled PSUs "
            f"(frame {written['frame_psus']} PSUs)"
        )
        return 0
    if args.evaluation_waves:
        truth = write_evaluation_waves(
            args.out, seed=args.seed, preset=args.preset, truth_path=args.truth, progress=say
        )
        for wave, part in truth["waves"].items():
            incidence = part["truth"]["case_cn_halfday"]["incidence"]
            print(f"  {wave}: true incidence {100 * incidence:.2f} % (SYNTHETIC)")
        return 0
    truth = write_survey(
        args.out, seed=args.seed, preset=args.preset, truth_path=args.truth, progress=say
    )
    base = truth["baseline"]
    primary = truth["truth"]["case_cn_halfday"]
    print(
        "Summary (SYNTHETIC data):\n"
        f"  town: {truth['population']['psus']} PSUs, {truth['population']['residents']} residents; "
        f"true 12-month incidence {100 * primary['incidence']:.2f} % (half-day definition), "
        f"{primary['episodes_per_injured']:.2f} episodes per injured, ICC {primary['icc_psu']:.3f}\n"
        f"  pilot: {truth['pilot']['households']} households, {truth['pilot']['persons']} persons, "
        f"{truth['pilot']['episodes']} episodes, {len(truth['pilot']['planted_problems'])} planted problems\n"
        f"  baseline: {base['households']} households in {base['psus_sampled']} PSUs, response rate "
        f"{100 * base['response_rate']:.1f} %, {base['persons']} persons, {base['episodes']} episodes, "
        f"{len(base['planted_problems'])} planted problems"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
