"""Execute one pipeline notebook with papermill; on the console, a failure is a few lines.

Usage (the Snakefile's notebook rules)::

    python -m injury_survey.run_notebook NOTEBOOK EXECUTED_COPY --log LOG --html HTML \\
        -k python3 -y "<yaml parameters>"

Parameters travel as one YAML mapping (like ``papermill -y``) so their types survive. Everything
papermill, the kernel and the notebook's libraries print goes to ``LOG``; the console gets one line
when the stage starts and ends, and, when a cell raises, the exception's own message (for bad input
it names the file, row, column and what to do) and where the executed notebook with the full
traceback is. Set ``INJURY_SURVEY_VERBOSE=1`` (``run.py ... --verbose``) to also print the
traceback on the console.

With ``--html`` the executed notebook is also rendered to HTML for reviewers, in the same process:
a separate ``nbconvert`` job per notebook would start Python and import nbconvert once more for
each of the pipeline's notebooks.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pprint
import re
import sys
import time
import traceback
from pathlib import Path

import yaml

from injury_survey.yaml_files import YAML_LOADER

# papermill offers HDFS notebooks through pyarrow.fs when pyarrow is installed (it is, for the
# kernel's pandas): that import costs this process pyarrow and numpy, ~0.15 s CPU a job, for a
# storage the pipeline never uses. While papermill is imported, a ``None`` entry in sys.modules
# (Python's "import blocked" marker) makes it fail, so papermill keeps its "install pyarrow" stub
# for hdfs:// paths; the entry is removed at once, and the kernel (its own process) is unaffected.
_BLOCK_PYARROW_FS = "pyarrow.fs" not in sys.modules
if _BLOCK_PYARROW_FS:
    sys.modules["pyarrow.fs"] = None
try:
    import papermill
    from papermill.exceptions import PapermillExecutionError
    from papermill.translators import PythonTranslator, papermill_translators
finally:
    if _BLOCK_PYARROW_FS:
        del sys.modules["pyarrow.fs"]

VERBOSE_ENV = "INJURY_SURVEY_VERBOSE"
# A long message (e.g. a list of every bad row) is cut on the console; the log has all of it.
MAX_MESSAGE_LINES = 10
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class ReadableTranslator(PythonTranslator):
    """Injected parameters as readable Python: Chinese text kept as is (papermill would write
    ``"\\u793a…"``), a mapping laid out one key per line, and a first comment line naming the
    survey (:attr:`heading`). Parameters are plain YAML values, for which ``repr`` is a valid
    Python literal."""

    heading = "Parameters"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        return super().codify(parameters, cls.heading)

    @classmethod
    def translate_str(cls, val):
        return repr(val)

    @classmethod
    def translate_dict(cls, val):
        return pprint.pformat(val, width=100, sort_dicts=False)

    @classmethod
    def translate_list(cls, val):
        return pprint.pformat(val, width=100)


def injected_heading(config: str | dict | None) -> str:
    """The comment above the injected parameters: the survey, and where its settings come from
    (the notebook loads them with ``load_config`` and shows them with ``describe_settings``)."""
    if isinstance(config, str):
        try:
            settings = yaml.load(Path(config).read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        except (OSError, yaml.YAMLError):
            settings = {}  # the notebook's load_config says what is wrong with it
        source = f"settings from {config}"
    else:
        settings, source = config or {}, "settings given as a mapping"
    survey = settings.get("survey") if isinstance(settings, dict) else None
    names = [survey.get(k) for k in ("name_zh", "name_en")] if isinstance(survey, dict) else []
    title = " / ".join(str(n) for n in names if n)
    return f"Parameters: {title} ({source})" if title else f"Parameters ({source})"


def failure_summary(stage: str, err: PapermillExecutionError, output: Path, log: Path) -> str:
    """The few lines a survey officer needs: which stage stopped, the message, where the details are."""
    message = ANSI_ESCAPE.sub("", str(err.evalue)).strip().splitlines() or [""]
    if len(message) > MAX_MESSAGE_LINES:
        cut = len(message) - MAX_MESSAGE_LINES
        message = [*message[:MAX_MESSAGE_LINES], f"… ({cut} more lines in {log})"]
    lines = [
        f"{stage} stopped (cell {err.exec_count}, {err.ename}):",
        *(f"  {line}" for line in message),
        f"Executed notebook with the full traceback: {output}",
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def output_to(log: Path):
    """Send this process's stdout and stderr, and the kernel's it starts, to ``log`` (at the file
    descriptor level, so subprocesses follow); yield a stream to the original console."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    console = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    with open(log, "a", encoding="utf-8") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield console
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            console.close()


def render_html(executed: Path, html: Path) -> None:
    """Render an executed notebook to a standalone HTML page, as ``jupyter nbconvert --to html``
    does, with the notebook's default ``parameters`` cell hidden: the injected one shows what ran.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    settings = Config()
    settings.TagRemovePreprocessor.remove_cell_tags = {"parameters"}
    notebook = nbformat.read(executed, as_version=4)
    # The page's title is the notebook's name (nbconvert takes it from the file name).
    resources = {"metadata": {"name": html.stem, "path": str(executed.parent)}}
    body, _ = HTMLExporter(config=settings).from_notebook_node(notebook, resources=resources)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Execute a pipeline notebook.")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--log", type=Path, help="where the details go (default: beside OUTPUT)")
    parser.add_argument("--html", type=Path, help="also render the executed notebook to HTML here")
    parser.add_argument("-k", "--kernel", default="python3")
    parser.add_argument("-y", "--yaml", default="{}", help="parameters as a YAML mapping")
    args = parser.parse_args(argv)

    parameters = yaml.safe_load(args.yaml) or {}
    log = args.log or args.output.with_suffix(".log")
    ReadableTranslator.heading = injected_heading(parameters.get("config"))
    papermill_translators.register("python", ReadableTranslator)
    for folder in {args.output.parent, log.parent}:
        folder.mkdir(parents=True, exist_ok=True)
    log.write_text("", encoding="utf-8")
    verbose = os.environ.get(VERBOSE_ENV, "") not in {"", "0"}
    started = time.monotonic()
    with output_to(log) as console:
        print(f"Running {args.output.stem} (log: {log})", file=console)
        try:
            papermill.execute_notebook(
                str(args.notebook),
                str(args.output),
                parameters=parameters,
                kernel_name=args.kernel,
                progress_bar=False,
                log_output=False,
            )
            if args.html:
                render_html(args.output, args.html)
        except PapermillExecutionError as err:
            trace = ANSI_ESCAPE.sub("", "\n".join(err.traceback))
            summary = failure_summary(args.output.stem, err, args.output, log)
            print(f"{trace}\n\n{summary}", file=sys.stderr)
            if verbose:
                print(trace, file=console)
            print(summary, file=console)
            return 1
        except Exception as err:  # the kernel died, a file is missing: not the notebook's message
            traceback.print_exc()
            print(f"{args.output.stem} could not run: {type(err).__name__}: {err}", file=console)
            print(f"Details: {log}", file=console)
            return 1
        seconds = time.monotonic() - started
        print(f"Finished {args.output.stem} in {seconds:.1f} s", file=console)
    return 0


if __name__ == "__main__":
    sys.exit(main())
