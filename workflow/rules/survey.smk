# Formal survey (正式调查), per wave: intake and cleaning, weights, design-based estimates.


rule clean_survey:
    input:
        notebook=notebook("03_clean_survey"),
        tables=wave_tables,
        frame=wave_frame,
        codebook=codebook_files(),
        code=notebook_code_inputs("03_clean_survey"),
    output:
        notebook="results/notebooks/03_clean_survey_{wave}.ipynb",
        html=executed_html("03_clean_survey_{wave}"),
        households="results/{wave}/clean/households.parquet",
        persons="results/{wave}/clean/persons.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        rejected="results/{wave}/clean/rejected.csv",
        issues="results/{wave}/clean/issues.csv",
        accounting="results/{wave}/clean/accounting.csv",
        adjustments="results/{wave}/adjustments/03.csv",
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/clean_survey/03_clean_survey_{wave}.ipynb",
        stderr="results/logs/clean_survey/{wave}.log",
    benchmark:
        "results/benchmarks/clean_survey/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("clean_survey"),
        runtime=30,
    shell:
        PAPERMILL


rule compute_weights:
    input:
        notebook=notebook("04_compute_weights"),
        clean=clean_tables(),
        rejected="results/{wave}/clean/rejected.csv",
        sample=wave_sample_list,
        census=wave_census,
        frame=wave_frame,
        code=notebook_code_inputs("04_compute_weights"),
    output:
        notebook="results/notebooks/04_compute_weights_{wave}.ipynb",
        html=executed_html("04_compute_weights_{wave}"),
        weights="results/{wave}/weights.parquet",
        diagnostics="results/{wave}/weights_diagnostics.csv",
        adjustments="results/{wave}/adjustments/04.csv",
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/compute_weights/04_compute_weights_{wave}.ipynb",
        stderr="results/logs/compute_weights/{wave}.log",
    benchmark:
        "results/benchmarks/compute_weights/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("compute_weights"),
        runtime=30,
    shell:
        PAPERMILL


rule estimate_indicators:
    input:
        notebook=notebook("05_estimate_indicators"),
        weights="results/{wave}/weights.parquet",
        adjustments="results/{wave}/adjustments/04.csv",
        code=notebook_code_inputs("05_estimate_indicators"),
    output:
        notebook="results/notebooks/05_estimate_indicators_{wave}.ipynb",
        html=executed_html("05_estimate_indicators_{wave}"),
        estimates="results/{wave}/estimates.csv",
        adjustments="results/{wave}/adjustments/05.csv",
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/estimate_indicators/05_estimate_indicators_{wave}.ipynb",
        stderr="results/logs/estimate_indicators/{wave}.log",
    benchmark:
        "results/benchmarks/estimate_indicators/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("estimate_indicators"),
        runtime=30,
    shell:
        PAPERMILL
