# Evaluation (干预效果评估): follow-up vs baseline, and against a comparison area, when the config
# has an evaluation block. Runs after the per-wave stages of the waves it compares.

rule evaluation:
    input:
        notebook=notebook("11_evaluation"),
        weights=expand("results/{wave}/weights.parquet", wave=EVALUATION_WAVES),
        episodes=expand("results/{wave}/clean/episodes.parquet", wave=EVALUATION_WAVES),
        programme_tables=evaluation_programme_tables,
        codebook=codebook_files(),
        code=notebook_code_inputs("11_evaluation"),
    output:
        notebook="results/notebooks/11_evaluation.ipynb",
        html=executed_html("11_evaluation"),
        comparisons="results/evaluation/comparisons.csv",
        programme="results/evaluation/programme_comparisons.csv",
        logistic="results/evaluation/logistic.csv",
        tables="results/evaluation/evaluation_tables.xlsx",
        figures=directory("results/evaluation/figures"),
    params:
        parameters=papermill_parameters(survey_dir=".", out_dir="results/evaluation"),
        settings=SETTINGS,
    log:
        notebook="results/logs/evaluation/11_evaluation.ipynb",
        stderr="results/logs/evaluation/papermill.log",
    benchmark:
        "results/benchmarks/evaluation.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("evaluation"),
        runtime=30,
    shell:
        PAPERMILL
