"""The notebook runner renders the reviewers' HTML copy in its own process, exactly as nbconvert's
command line did when rendering was a job of its own."""

import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from injury_survey.run_notebook import render_html


def executed_notebook():
    defaults = new_code_cell("survey_dir = 'DEFAULT_PARAMETER'", metadata={"tags": ["parameters"]})
    injected = new_code_cell("survey_dir = '.'", metadata={"tags": ["injected-parameters"]})
    work = new_code_cell("1 + 1", execution_count=1)
    work.outputs = [new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    return new_notebook(cells=[new_markdown_cell("# 安全社区 stage"), defaults, injected, work])


def test_html_is_what_nbconvert_writes_without_the_default_parameters(tmp_path):
    executed = tmp_path / "logs" / "03_clean_survey_baseline.ipynb"
    executed.parent.mkdir()
    nbformat.write(executed_notebook(), executed)
    ours = tmp_path / "notebooks" / "03_clean_survey_baseline.html"
    render_html(executed, ours)

    command = [sys.executable, "-m", "nbconvert", "--to", "html"]
    command += ["--TagRemovePreprocessor.remove_cell_tags=parameters", "--output-dir", tmp_path]
    subprocess.run([*command, executed], check=True, capture_output=True)
    theirs = tmp_path / "03_clean_survey_baseline.html"
    assert ours.read_text(encoding="utf-8") == theirs.read_text(encoding="utf-8")
    page = ours.read_text(encoding="utf-8")
    assert "DEFAULT_PARAMETER" not in page
    assert "<title>03_clean_survey_baseline</title>" in page
