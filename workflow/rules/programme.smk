# Programme module (安全社区知晓与家庭安全), per wave: awareness, safety knowledge and home-safety
# estimates from the optional tables (docs/input-tables-programme.md). A wave without them gets
# empty outputs and a note.


rule programme_indicators:
    input:
        notebook=notebook("12_programme_indicators"),
        weights="results/{wave}/weights.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        clean_accounting="results/{wave}/clean/accounting.csv",
        clean_households="results/{wave}/clean/households.parquet",
        clean_persons="results/{wave}/clean/persons.parquet",
        tables=programme_tables,
        codebook=codebook_files(),
        code=notebook_code_inputs("12_programme_indicators"),
    output:
        notebook="results/notebooks/12_programme_indicators_{wave}.ipynb",
        html=executed_html("12_programme_indicators_{wave}"),
        estimates="results/{wave}/programme/estimates.csv",
        nonresponse="results/{wave}/programme/nonresponse.csv",
        adjustments="results/{wave}/adjustments/12.csv",
    params:
        parameters=wave_parameters,
        settings=SETTINGS,
    log:
        notebook="results/logs/programme_indicators/12_programme_indicators_{wave}.ipynb",
        stderr="results/logs/programme_indicators/{wave}.log",
    benchmark:
        "results/benchmarks/programme_indicators/{wave}.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("programme_indicators"),
        runtime=30,
    shell:
        PAPERMILL
