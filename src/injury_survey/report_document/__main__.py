"""``python -m injury_survey.report_document``: write the report document (for a Snakemake rule).

    python -m injury_survey.report_document --results results \\
        --config-yaml config/config.yaml --out results/report/report.html

``--generated-on YYYY-MM-DD`` fixes the "generated on" date (default: SOURCE_DATE_EPOCH, else
today); ``--figures DIR`` reads the figures from elsewhere than ``<results>/figures``.
"""

from __future__ import annotations

import argparse
import sys

from injury_survey.config import ConfigError, load_config
from injury_survey.report_document.document import write_report
from injury_survey.report_document.inputs import ReportDocumentError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m injury_survey.report_document",
        description="Write the self-contained HTML report document from the pipeline's results.",
    )
    parser.add_argument(
        "--results", default="results", help="the results folder (default: results)"
    )
    parser.add_argument("--config-yaml", required=True, help="the survey's config.yaml")
    parser.add_argument("--out", required=True, help="the HTML file to write")
    parser.add_argument(
        "--figures", default=None, help="figures folder (default <results>/figures)"
    )
    parser.add_argument("--generated-on", default=None, help="date printed as generated on")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config_yaml)
        path = write_report(
            args.results,
            config,
            args.out,
            figures_dir=args.figures,
            generated_on=args.generated_on,
        )
    except (ConfigError, ReportDocumentError, ValueError) as err:
        print(f"report document: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
