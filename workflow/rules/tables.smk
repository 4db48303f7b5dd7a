# Report tables of each formal survey wave (T1-T22, risk factors), one notebook per group.

REPORT_TABLE_CODE = ("report_tables", "survey_design.py", "weighting.py", "estimation.py", "standardize.py")


rule injury_profile:
    input:
        notebook=notebook("06_injury_profile"),
        weights="results/{wave}/weights.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        census=wave_census,
        code=package_files("intake.py", *REPORT_TABLE_CODE),
    output:
        notebook="results/notebooks/06_injury_profile_{wave}.ipynb",
        tables=report(
            directory("results/{wave}/tables/profile"),
            patterns=["{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
            subcategory="{wave}",
        ),
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/injury_profile/06_injury_profile_{wave}.ipynb",
        stderr="results/logs/injury_profile/{wave}.log",
    shell:
        PAPERMILL


rule injury_burden:
    input:
        notebook=notebook("07_injury_burden"),
        weights="results/{wave}/weights.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        code=package_files(*REPORT_TABLE_CODE),
    output:
        notebook="results/notebooks/07_injury_burden_{wave}.ipynb",
        tables=report(
            directory("results/{wave}/tables/burden"),
            patterns=["{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
            subcategory="{wave}",
        ),
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/injury_burden/07_injury_burden_{wave}.ipynb",
        stderr="results/logs/injury_burden/{wave}.log",
    shell:
        PAPERMILL


rule risk_factors:
    input:
        notebook=notebook("08_risk_factors"),
        weights="results/{wave}/weights.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        code=package_files(*REPORT_TABLE_CODE),
    output:
        notebook="results/notebooks/08_risk_factors_{wave}.ipynb",
        tables=report(
            directory("results/{wave}/tables/risk"),
            patterns=["{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
            subcategory="{wave}",
        ),
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/risk_factors/08_risk_factors_{wave}.ipynb",
        stderr="results/logs/risk_factors/{wave}.log",
    shell:
        PAPERMILL
