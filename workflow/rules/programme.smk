# Programme module (安全社区知晓与家庭安全), per wave: awareness, safety knowledge and home-safety
# estimates from the optional tables (docs/data-contract-programme.md). A wave without them gets
# empty outputs and a note.


def programme_tables(wildcards):
    tables = config["tables"]["waves"][wildcards.wave]
    return [tables[name] for name in ("knowledge", "home_safety") if tables.get(name)]


rule programme_indicators:
    input:
        notebook=notebook("11_programme_indicators"),
        weights="results/{wave}/weights.parquet",
        episodes="results/{wave}/clean/episodes.parquet",
        tables=programme_tables,
        codebook=codebook_files(),
        code=package_files(
            "intake.py",
            "programme_indicators.py",
            "programme_wave.py",
            "programme_report.py",
            "survey_design.py",
            "estimation.py",
            "figures",
        ),
    output:
        notebook="results/notebooks/11_programme_indicators_{wave}.ipynb",
        estimates="results/{wave}/programme/estimates.csv",
        nonresponse="results/{wave}/programme/nonresponse.csv",
        adjustments="results/{wave}/adjustments/programme.csv",
    params:
        parameters=wave_parameters,
    log:
        notebook="results/logs/programme_indicators/11_programme_indicators_{wave}.ipynb",
        stderr="results/logs/programme_indicators/{wave}.log",
    shell:
        PAPERMILL
