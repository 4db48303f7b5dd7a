# Report tables of each formal survey wave (T1-T22, risk factors), one notebook per group.



rule injury_profile:
    input:
        notebook=notebook("06_injury_profile"),
        weights="results/{wave}/weights.parquet",
        clean=clean_tables(),
        census=wave_census,
        code=notebook_code_inputs("06_injury_profile"),
    output:
        notebook="results/notebooks/06_injury_profile_{wave}.ipynb",
        html=executed_html("06_injury_profile_{wave}"),
        tables=report(
            directory("results/{wave}/tables/profile"),
            patterns=["public/{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
            subcategory="{wave}",
        ),
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/injury_profile/06_injury_profile_{wave}.ipynb",
        stderr="results/logs/injury_profile/{wave}.log",
    benchmark:
        "results/benchmarks/injury_profile/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("injury_profile"),
        runtime=30,
    shell:
        PAPERMILL


rule injury_burden:
    input:
        notebook=notebook("07_injury_burden"),
        weights="results/{wave}/weights.parquet",
        clean=clean_tables(),
        code=notebook_code_inputs("07_injury_burden"),
    output:
        notebook="results/notebooks/07_injury_burden_{wave}.ipynb",
        html=executed_html("07_injury_burden_{wave}"),
        tables=report(
            directory("results/{wave}/tables/burden"),
            patterns=["public/{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
            subcategory="{wave}",
        ),
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/injury_burden/07_injury_burden_{wave}.ipynb",
        stderr="results/logs/injury_burden/{wave}.log",
    benchmark:
        "results/benchmarks/injury_burden/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("injury_burden"),
        runtime=30,
    shell:
        PAPERMILL


rule risk_factors:
    input:
        notebook=notebook("08_risk_factors"),
        weights="results/{wave}/weights.parquet",
        clean=clean_tables(),
        code=notebook_code_inputs("08_risk_factors"),
    output:
        notebook="results/notebooks/08_risk_factors_{wave}.ipynb",
        html=executed_html("08_risk_factors_{wave}"),
        tables=report(
            directory("results/{wave}/tables/risk"),
            patterns=["public/{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
            subcategory="{wave}",
        ),
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/risk_factors/08_risk_factors_{wave}.ipynb",
        stderr="results/logs/risk_factors/{wave}.log",
    benchmark:
        "results/benchmarks/risk_factors/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("risk_factors"),
        runtime=30,
    shell:
        PAPERMILL
