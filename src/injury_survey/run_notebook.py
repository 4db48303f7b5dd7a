"""Execute one pipeline notebook with papermill and report a failure as a message, not a traceback.

Usage (the Snakefile's notebook rules)::

    python -m injury_survey.run_notebook NOTEBOOK EXECUTED_COPY -k python3 -y "<yaml parameters>"

Parameters travel as one YAML mapping (like ``papermill -y``) so their types survive. When a cell
raises, the executed copy (with the full traceback) is still written, and stderr gets the
exception's own message, which for bad input names the file, row, column and what to do.
"""

from __future__ import annotations

import argparse
import pprint
import sys
import time
from pathlib import Path

import papermill
import yaml
from papermill.exceptions import PapermillExecutionError
from papermill.translators import PythonTranslator, papermill_translators


class ReadableTranslator(PythonTranslator):
    """Injected parameters as readable Python: Chinese text kept as is (papermill would write
    ``"\\u793a…"``), the config mapping laid out one key per line. Parameters are plain YAML
    values, for which ``repr`` is a valid Python literal."""

    @classmethod
    def translate_str(cls, val):
        return repr(val)

    @classmethod
    def translate_dict(cls, val):
        return pprint.pformat(val, width=100, sort_dicts=False)

    @classmethod
    def translate_list(cls, val):
        return pprint.pformat(val, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute a pipeline notebook.")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("-k", "--kernel", default="python3")
    parser.add_argument("-y", "--yaml", default="{}", help="parameters as a YAML mapping")
    args = parser.parse_args(argv)

    parameters = yaml.safe_load(args.yaml) or {}
    papermill_translators.register("python", ReadableTranslator)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"Running {args.notebook.name} -> {args.output}", file=sys.stderr, flush=True)
    try:
        papermill.execute_notebook(
            str(args.notebook),
            str(args.output),
            parameters=parameters,
            kernel_name=args.kernel,
            progress_bar=False,
            log_output=False,
        )
    except PapermillExecutionError as err:
        print(
            f"\n{args.notebook.name} stopped in cell {err.exec_count}:\n\n"
            f"{err.ename}: {err.evalue}\n\n"
            f"The executed notebook, with the full traceback, is {args.output}",
            file=sys.stderr,
        )
        return 1
    print(f"Finished {args.notebook.name} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
