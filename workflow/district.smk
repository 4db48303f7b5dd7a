# Several towns' surveys in one run, with a pooled district estimate (docs/methods.md §6.9):
#   snakemake --snakefile <repo>/workflow/district.smk --directory <district folder> \
#     --configfile <district folder>/district.yaml
# (python3 run.py run --district DISTRICT.yaml). Every town listed in the district config is the
# repository's Snakefile as a Snakemake module whose prefix is the town's folder, so its jobs are
# branches of this one DAG (<town>_clean_survey, ...), each writing the town's own results/ as a
# single-town run would (workflow/rules/common.smk: TOWN_FOLDER). The pooled rule stacks the towns'
# weighted persons of one wave and estimates on the combined design.

import json
import shlex
import sys
from pathlib import Path

from snakemake.utils import min_version

from injury_survey.code_inputs import module_code, notebook_code
from injury_survey.district import load_district

min_version("9.0")

REPO = Path(workflow.current_basedir).parent
if not workflow.configfiles:
    raise ValueError(
        "A district run needs its config: --configfile DISTRICT.yaml "
        "(workflow/schemas/district.schema.yaml). / 请用 --configfile 指定区县配置文件。"
    )
DISTRICT_FILE = Path(workflow.configfiles[-1]).resolve()
DISTRICT = load_district(DISTRICT_FILE)

for town in DISTRICT.towns:
    # Snakemake resolves a module named by a variable (and "<variable>*" as its rules' prefix);
    # the module's config is the town's own config.yaml, validated (load_district).
    town_module = town.id
    town_rules = f"{town.id}_"

    module:
        name:
            town_module
        snakefile:
            str(REPO / "Snakefile")
        config:
            town.config
        prefix:
            str(town.folder)

    use rule * from town_module as town_rules*


# The towns' local rules under their module names (common.smk names them unprefixed).
workflow.localrules(
    *[f"{t.id}_index" for t in DISTRICT.towns],
)


TOWN_WEIGHTS = [str(t.weights_file) for t in DISTRICT.towns]
DISTRICT_OUT = "results/district"


rule district_all:
    default_target: True
    input:
        # every town's own default target (its rule `all`), under the town's prefix
        *[getattr(rules, f"{t.id}_all").input for t in DISTRICT.towns],
        f"{DISTRICT_OUT}/pooled_indicators.csv",
        f"{DISTRICT_OUT}/pooled_indicators.xlsx",
        f"{DISTRICT_OUT}/13_district.html",


rule pooled_estimate:
    input:
        notebook=str(REPO / "notebooks" / "13_district.ipynb"),
        weights=TOWN_WEIGHTS,
        district=str(DISTRICT_FILE),
        town_configs=[str(t.folder / "config.yaml") for t in DISTRICT.towns],
        code=sorted(
            {
                *notebook_code(str(REPO / "notebooks" / "13_district.ipynb")),
                *module_code("injury_survey.run_notebook"),
            }
        ),
    output:
        notebook=f"{DISTRICT_OUT}/13_district.ipynb",
        csv=f"{DISTRICT_OUT}/pooled_indicators.csv",
        xlsx=f"{DISTRICT_OUT}/pooled_indicators.xlsx",
        adjustments=f"{DISTRICT_OUT}/adjustments/13.csv",
        html=f"{DISTRICT_OUT}/13_district.html",
    params:
        parameters=json.dumps(
            {"config": str(DISTRICT_FILE), "out_dir": DISTRICT_OUT}, ensure_ascii=False
        ),
    log:
        notebook=f"{DISTRICT_OUT}/logs/13_district.ipynb",
        stderr=f"{DISTRICT_OUT}/logs/13_district.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    shell:
        f"{shlex.quote(sys.executable)} -m injury_survey.run_notebook "
        "{input.notebook:q} {log.notebook:q} --log {log.stderr:q} --html {output.html:q} "
        "-k python3 -y {params.parameters:q} && cp {log.notebook:q} {output.notebook:q}"

