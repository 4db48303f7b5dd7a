# Community injury household survey pipeline (安全社区伤害入户调查分析流程).
#
# Each stage is a parameterised notebook in notebooks/, executed by papermill; the executed copy
# is kept under results/notebooks/ and rendered to HTML for reviewers (results/index.html).
# Run on another survey folder with:
#   snakemake --snakefile <repo>/Snakefile --directory <folder> --configfile <folder>/config.yaml

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/pilot.smk"
include: "workflow/rules/survey.smk"
include: "workflow/rules/programme.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/evaluation.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
