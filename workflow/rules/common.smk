# Helpers shared by the rules: config validation, code paths, papermill parameters.

import sys
from pathlib import Path

import yaml

from injury_survey.config import validate_config

# Validate at DAG build, with the same schema and defaults the notebooks use on their own.
config.update(validate_config(config))

WAVES = config["survey"]["waves"]
INDEX_TITLE = f"{config['survey']['name_zh']} / {config['survey']['name_en']}"
REPO = Path(workflow.basedir)

# Code is an input of every notebook rule, so editing a notebook or the package modules it uses
# reruns what depends on it (and nothing else). Paths are absolute, from the Snakefile's folder,
# so --directory runs work.
PACKAGE = REPO / "src" / "injury_survey"
SHARED_MODULES = ("__init__.py", "config.py", "issues.py", "results.py", "codebook.py", "data")


def package_files(*modules):
    """Source and data files of the named package modules (files or subpackages) and the
    modules every stage uses."""
    files = []
    for name in (*SHARED_MODULES, *modules):
        path = PACKAGE / name
        found = path.rglob("*") if path.is_dir() else [path]
        files += [str(p) for p in found if p.is_file() and "__pycache__" not in p.parts]
    return sorted(set(files))


wildcard_constraints:
    wave="|".join(WAVES),


def notebook(name):
    """Absolute path of a source notebook in the repository's notebooks/ folder."""
    return str(REPO / "notebooks" / f"{name}.ipynb")


def codebook_files():
    return [] if config["codebook"] == "default" else [config["codebook"]]


def wave_tables(wildcards):
    """Input tables of one formal survey wave, as mapped in config tables.waves.<wave>."""
    return list(config["tables"]["waves"][wildcards.wave].values())


def papermill_parameters(**parameters):
    """Notebook parameters as one YAML string for `papermill -y` (types survive, unlike -p).

    The validated config is always passed, so a changed setting reruns the notebooks
    (Snakemake tracks params) and the notebook prints the settings it actually used.
    """
    return yaml.safe_dump({"config": config, **parameters}, allow_unicode=True, sort_keys=False)


def wave_parameters(wildcards):
    return papermill_parameters(survey_dir=".", wave=wildcards.wave)


# The papermill command of every notebook rule (through run_notebook, which turns a failing
# cell into a message): the executed copy is first written to the
# log folder, so a failing notebook survives (with its traceback) for debugging while the rule's
# outputs are removed; on success it is copied to results/notebooks/.
# Jobs use the interpreter that runs Snakemake (the project's environment), whatever is on PATH.
PYTHON = sys.executable
PAPERMILL = (
    f"{PYTHON} -m injury_survey.run_notebook "
    "{input.notebook} {log.notebook} -k python3 "
    "-y {params.parameters:q} > {log.stderr} 2>&1 && cp {log.notebook} {output.notebook}"
)


def final_outputs():
    waves = expand("results/{wave}/estimates.csv", wave=WAVES)
    waves += expand("results/{wave}/programme/estimates.csv", wave=WAVES)
    return ["results/index.html", "results/report/report.html", *waves]


WAVE_STAGES = [
    "03_clean_survey",
    "04_compute_weights",
    "05_estimate_indicators",
    "06_injury_profile",
    "07_injury_burden",
    "08_risk_factors",
    "11_programme_indicators",
]


def executed_notebooks_html():
    """HTML copies of every executed notebook, in pipeline order."""
    names = ["01_clean_pilot", "02_plan_survey", "09_report_figures", "10_final_report"]
    for stage in WAVE_STAGES:
        names += [f"{stage}_{wave}" for wave in WAVES]
    return [f"results/notebooks/{name}.html" for name in sorted(names)]
