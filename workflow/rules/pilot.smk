# Pre-survey (预调查): clean the pilot, check the questionnaire, then plan the formal survey.


rule clean_pilot:
    input:
        notebook=notebook("01_clean_pilot"),
        tables=table_files(config["tables"]["pilot"]),
        frame=table_file(config["tables"]["frame"]),
        codebook=codebook_files(),
        code=notebook_code_inputs("01_clean_pilot"),
    output:
        notebook="results/notebooks/01_clean_pilot.ipynb",
        html=executed_html("01_clean_pilot"),
        households="results/pilot/households.parquet",
        persons="results/pilot/persons.parquet",
        episodes="results/pilot/episodes.parquet",
        rejected="results/pilot/rejected.csv",
        issues="results/pilot/issues.csv",
        revisions="results/pilot/questionnaire_revisions.csv",
        pilot_summary="results/pilot/pilot_summary.yaml",
        adjustments="results/pilot/adjustments/01.csv",
    params:
        parameters=papermill_parameters(survey_dir=".", out_dir="results/pilot"),
        settings=SETTINGS,
    log:
        notebook="results/logs/clean_pilot/01_clean_pilot.ipynb",
        stderr="results/logs/clean_pilot/papermill.log",
    benchmark:
        "results/benchmarks/clean_pilot.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("clean_pilot"),
        runtime=30,
    shell:
        PAPERMILL


rule plan_survey:
    input:
        notebook=notebook("02_plan_survey"),
        pilot_summary="results/pilot/pilot_summary.yaml",
        frame=table_file(config["tables"]["frame"]),
        frozen_sample=frozen_sample_list(),
        first_wave_estimates=first_wave_estimates(),
        code=notebook_code_inputs("02_plan_survey"),
    output:
        notebook="results/notebooks/02_plan_survey.ipynb",
        html=executed_html("02_plan_survey"),
        plan="results/plan/plan.yaml",
        sensitivity="results/plan/sensitivity.csv",
        sensitivity_figures=expand(
            "results/plan/plan_sensitivity_{lang}.{ext}",
            lang=report_languages(),
            ext=["png", "svg", "txt"],
        ),
        sample="results/plan/sample_drawn.csv",
        fieldwork="results/plan/fieldwork_list.xlsx",
    params:
        parameters=papermill_parameters(
            survey_dir=".",
            pilot_dir="results/pilot",
            out_dir="results/plan",
            baseline_estimates=(first_wave_estimates() or [""])[0],
        ),
        settings=SETTINGS,
    log:
        notebook="results/logs/plan_survey/02_plan_survey.ipynb",
        stderr="results/logs/plan_survey/papermill.log",
    benchmark:
        "results/benchmarks/plan_survey.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("plan_survey"),
        runtime=30,
    shell:
        PAPERMILL
