# Helpers shared by the rules: config validation, code inputs, papermill parameters.

import json
import os
import shlex
import sys
from pathlib import Path

import yaml

from injury_survey.code_inputs import module_code, notebook_code
from injury_survey.config import config_digest, load_config, validate_config, wave_table
from injury_survey.table_paths import table_file
from injury_survey.yaml_files import YAML_LOADER
from injury_survey.memory_requests import memory_request_mb


# A district run (workflow/district.smk) parses these rules once per town, as a Snakemake module
# whose prefix is the town's folder (absolute): Snakemake then puts every input, output and log
# path in the town's folder, and each command below runs there (IN_SURVEY_FOLDER), so a town's
# results are those its own run writes. Outside a district there is no prefix.
TOWN_FOLDER = workflow.modifier.path_modifier.prefix
IN_SURVEY_FOLDER = f"cd {shlex.quote(TOWN_FOLDER)} && " if TOWN_FOLDER else ""


def in_survey_folder(path):
    """A path relative to the survey folder, as seen from where Snakemake parses the rules."""
    return os.path.join(TOWN_FOLDER, path) if TOWN_FOLDER else path


def settings_file():
    """The config file the settings come from, as a path for the notebooks to load, or None when
    they do not come from one file alone (several --configfile, --config overrides)."""
    if TOWN_FOLDER:
        return "config.yaml"  # a district's town: district.smk gives it its folder's config.yaml
    if not workflow.configfiles:
        return None
    path = Path(workflow.configfiles[-1])
    with path.open(encoding="utf-8") as handle:
        if yaml.load(handle, Loader=YAML_LOADER) != config:
            return None
    inside = not path.is_absolute() or path.is_relative_to(Path.cwd())
    return os.path.relpath(path) if inside else str(path)


# Validate at DAG build, with the same schema and defaults the notebooks use on their own.
CONFIG_FILE = settings_file()
config.update(
    load_config(in_survey_folder(CONFIG_FILE)) if CONFIG_FILE else validate_config(config)
)
SETTINGS = config_digest(config)

WAVES = config["survey"]["waves"]
INDEX_TITLE = f"{config['survey']['name_zh']} / {config['survey']['name_en']}"
REPO = Path(workflow.current_basedir).parents[1]  # this file is <repo>/workflow/rules/


wildcard_constraints:
    wave="|".join(WAVES),


def notebook(name):
    """Absolute path of a source notebook in the repository's notebooks/ folder."""
    return str(REPO / "notebooks" / f"{name}.ipynb")


# Code is an input of every notebook rule, so editing a notebook or a package module it uses
# reruns what depends on it (and nothing else). The package files come from the notebook's
# imports and their closure (injury_survey.code_inputs), never from a hand-kept list.
RUNNER_CODE = module_code("injury_survey.run_notebook")


def notebook_code_inputs(name):
    """The package files a notebook imports (directly or not), and the runner that executes it."""
    return sorted({*notebook_code(notebook(name)), *RUNNER_CODE})


def table_files(tables):
    """The files of a mapping of table paths, each file once: "book.xlsx#Sheet" is book.xlsx
    (Snakemake tracks files; intake reads the named sheet), and sheets of one workbook share it."""
    return sorted({table_file(path) for path in tables.values()})


def frozen_sample_list():
    """The first wave's sample list once it exists: the plan compares its own draw with it."""
    tables = config["tables"]["waves"][WAVES[0]]
    frozen = table_file(tables["sample"]) if "sample" in tables else None
    return [frozen] if frozen and Path(in_survey_folder(frozen)).exists() else []


def report_languages():
    """The languages figures are drawn in (report.language); injury_survey.figures has the same
    rule in figure_languages, but importing it costs Snakemake a second on every run."""
    language = config["report"]["language"]
    return ["zh", "en"] if language == "both" else [language]


def input_files():
    """Every file the run reads from the survey folder: config, codebook and data tables."""
    tables = config["tables"]
    files = [table_file(tables["frame"]), table_file(tables["census"])]
    for group in [tables["pilot"], *tables["waves"].values()]:
        files += table_files(group)
    configs = (
        [CONFIG_FILE]
        if TOWN_FOLDER
        else [os.path.relpath(p) for p in workflow.configfiles if Path(p).exists()]
    )
    return sorted({*configs, *codebook_files(), *files})


def wave_sample_list(wildcards):
    """The sample list of a wave (weights start from its selection probabilities)."""
    tables = config["tables"]["waves"][wildcards.wave]
    return [table_file(tables["sample"])] if "sample" in tables else []


def clean_tables(waves="{wave}"):
    """The clean tables (households, persons, episodes) of one wave, or of several."""
    names = ["households", "persons", "episodes"]
    return expand("results/{wave}/clean/{table}.parquet", wave=waves, table=names)


def codebook_files():
    return [] if config["codebook"] == "default" else [config["codebook"]]


def wave_tables(wildcards):
    """Input files of one formal survey wave, as mapped in config tables.waves.<wave>."""
    return table_files(config["tables"]["waves"][wildcards.wave])


def wave_frame(wildcards):
    """The wave's sampling frame (its own, or tables.frame)."""
    return table_file(wave_table(config, wildcards.wave, "frame"))


def wave_census(wildcards):
    """The wave's census totals (its own, or tables.census)."""
    return table_file(wave_table(config, wildcards.wave, "census"))


def papermill_parameters(**parameters):
    """Notebook parameters as one line of YAML (JSON) for run_notebook's `-y`.

    `config` is the config file's path: the notebook loads and validates it with load_config,
    as it does when run on its own, and shows the settings it used (describe_settings). Only when
    the settings do not come from one file (command-line overrides) is the validated mapping
    passed instead. Every notebook rule also has the settings' digest as a parameter, so
    Snakemake reruns the notebooks when a setting changes.
    """
    values = {"config": CONFIG_FILE or config, **parameters}
    return json.dumps(values, ensure_ascii=False, default=str)


def wave_parameters(wildcards):
    return papermill_parameters(survey_dir=".", wave=wildcards.wave)


# The papermill command of every notebook rule, through run_notebook: the console gets a line per
# stage and, when a cell fails, its message and where the details are; everything else goes to
# log.stderr. The executed copy is first written to the log folder, so a failing notebook survives
# (with its traceback) for debugging while the rule's outputs are removed; on success it is
# copied to results/notebooks/ and rendered to HTML beside it by the same process (a job of its
# own per notebook would cost a Python start and nbconvert's imports each). Jobs use the
# interpreter that runs Snakemake (the project's environment), whatever is on PATH.
# Every path is quoted (`:q`): a survey folder or checkout may have spaces in its name.
PYTHON = shlex.quote(sys.executable)
PAPERMILL = (
    f"{IN_SURVEY_FOLDER}{PYTHON} -m injury_survey.run_notebook "
    "{input.notebook:q} {log.notebook:q} --log {log.stderr:q} --html {output.html:q} -k python3 "
    "-y {params.parameters:q} && cp {log.notebook:q} {output.notebook:q}"
)


def executed_html(name):
    """The reviewers' HTML copy of an executed notebook (output `html` of every notebook rule),
    listed in Snakemake's report."""
    return report(
        f"results/notebooks/{name}.html",
        caption="../report/notebook.rst",
        category="Notebooks",
        labels={"notebook": name},
    )


def final_outputs():
    waves = expand("results/{wave}/estimates.csv", wave=WAVES)
    waves += expand("results/{wave}/programme/estimates.csv", wave=WAVES)
    return ["results/index.html", "results/report/report.html", "results/manifest.csv", *waves]


WAVE_STAGES = [
    "03_clean_survey",
    "04_compute_weights",
    "05_estimate_indicators",
    "06_injury_profile",
    "07_injury_burden",
    "08_risk_factors",
    "12_programme_indicators",
]


def executed_notebooks_html():
    """HTML copies of every executed notebook, in pipeline order."""
    names = ["01_clean_pilot", "02_plan_survey", "09_report_figures", "10_final_report"]
    if (config.get("evaluation") or {}).get("baseline"):
        names.append("11_evaluation")
    for stage in WAVE_STAGES:
        names += [f"{stage}_{wave}" for wave in WAVES]
    return [f"results/notebooks/{name}.html" for name in sorted(names)]


# Memory (MB) each notebook rule asks of a scheduler, so a local run stays within the machine and
# SLURM gets sbatch requests it can place: a fixed overhead plus a slope per MB of the job's input
# files, measured on the demo and on 100k- and 1M-person surveys (injury_survey.memory_requests,
# benchmarks/README.md), with half again as headroom; a job that still runs out is retried (profile
# `retries`) with twice the memory. Snakemake evaluates the request once the job's inputs exist.
def memory_mb(rule):
    """Memory request of a notebook rule, from the size of the job's inputs."""
    return lambda wildcards, input, attempt: memory_request_mb(rule, input.size_mb, attempt)


# Writing the index takes a second: run it where Snakemake runs, not as a cluster job.
localrules:
    index,


# ------------------------------------------------------------------ inputs of particular stages
# (kept here so that the rule files hold rules only)


def first_wave_estimates():
    """The first wave's estimates once its interviews exist: the plan shows the design effect
    they achieved beside plan.deff (the weights use the frozen sample list, never the plan)."""
    tables = config["tables"]["waves"][WAVES[0]]
    persons = table_file(tables["persons"]) if "persons" in tables else None
    return [f"results/{WAVES[0]}/estimates.csv"] if persons and Path(persons).exists() else []


def programme_tables(wildcards):
    """The programme tables (knowledge, home safety) one wave has."""
    tables = config["tables"]["waves"][wildcards.wave]
    return [table_file(tables[name]) for name in ("knowledge", "home_safety") if tables.get(name)]


# The evaluation (when the config has an evaluation block) and the waves it compares.
EVALUATION = config.get("evaluation") or {}
EVALUATION_WAVES = [
    wave
    for wave in (
        EVALUATION.get("baseline"),
        EVALUATION.get("followup"),
        *((EVALUATION.get("comparison") or {}).get(k) for k in ("baseline", "followup")),
        *(EVALUATION.get("trend_waves") or []),
    )
    if wave
]
EVALUATION_WAVES = list(dict.fromkeys(EVALUATION_WAVES))


def evaluation_outputs():
    """The evaluation's outputs when the config asks for one, else nothing."""
    if not EVALUATION.get("baseline"):
        return []
    return ["results/evaluation/comparisons.csv", "results/evaluation/programme_comparisons.csv"]


def evaluation_programme_tables(wildcards):
    """The programme tables (knowledge, home safety) of the waves the evaluation compares."""
    return [
        table_file(config["tables"]["waves"][wave][name])
        for wave in EVALUATION_WAVES
        for name in ("knowledge", "home_safety")
        if config["tables"]["waves"][wave].get(name)
    ]
