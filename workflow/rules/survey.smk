# Formal survey (正式调查), per wave: intake and cleaning, weights, design-based estimates.


rule clean_survey:
    input:
        notebook=notebook("03_clean_survey"),
        tables=wave_tables,
        frame=wave_frame,
        codebook=codebook_files(),
        code=package_files("intake.py", "cleaning"),
    output:
        notebook="results/notebooks/03_clean_survey_{wave}.ipynb",
        households="results/{wave}/clean/households.parquet",
        persons="results/{wave}/clean/persons.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        rejected="results/{wave}/clean/rejected.csv",
        issues="results/{wave}/clean/issues.csv",
        accounting="results/{wave}/clean/accounting.csv",
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/clean_survey/03_clean_survey_{wave}.ipynb",
        stderr="results/logs/clean_survey/{wave}.log",
    shell:
        PAPERMILL


rule compute_weights:
    input:
        notebook=notebook("04_compute_weights"),
        households="results/{wave}/clean/households.parquet",
        persons="results/{wave}/clean/persons.parquet",
        census=wave_census,
        code=package_files("intake.py", "weighting.py", "survey_design.py", "figures"),
    output:
        notebook="results/notebooks/04_compute_weights_{wave}.ipynb",
        weights="results/{wave}/weights.parquet",
        diagnostics="results/{wave}/weights_diagnostics.csv",
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/compute_weights/04_compute_weights_{wave}.ipynb",
        stderr="results/logs/compute_weights/{wave}.log",
    shell:
        PAPERMILL


rule estimate_indicators:
    input:
        notebook=notebook("05_estimate_indicators"),
        weights="results/{wave}/weights.parquet",
        code=package_files("estimation.py", "standardize.py", "survey_design.py", "weighting.py"),
    output:
        notebook="results/notebooks/05_estimate_indicators_{wave}.ipynb",
        estimates="results/{wave}/estimates.csv",
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/estimate_indicators/05_estimate_indicators_{wave}.ipynb",
        stderr="results/logs/estimate_indicators/{wave}.log",
    shell:
        PAPERMILL
