# The report: figures (from the first wave alone, so they are drawn while the other waves and the
# evaluation still run), then the tables workbooks and the report document, then an index of the
# reviewers' HTML copies of every executed notebook (each rendered by its notebook's own job), in
# pipeline order.


rule report_figures:
    input:
        notebook=notebook("09_report_figures"),
        tables=expand(
            "results/{wave}/tables/{group}", wave=WAVES[:1], group=["profile", "burden", "risk"]
        ),
        # Some figures also draw on the first wave's clean tables and weights.
        clean=clean_tables(WAVES[0]),
        weights=f"results/{WAVES[0]}/weights.parquet",
        code=notebook_code_inputs("09_report_figures"),
    output:
        notebook="results/notebooks/09_report_figures.ipynb",
        html=executed_html("09_report_figures"),
        figures=report(
            directory("results/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    params:
        parameters=papermill_parameters(survey_dir=".", out_dir="results/figures"),
        settings=SETTINGS,
    log:
        notebook="results/logs/report_figures/09_report_figures.ipynb",
        stderr="results/logs/report_figures/papermill.log",
    benchmark:
        "results/benchmarks/report_figures.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("report_figures"),
        runtime=30,
    shell:
        PAPERMILL


rule final_report:
    input:
        notebook=notebook("10_final_report"),
        plan="results/plan/plan.yaml",
        estimates=expand("results/{wave}/estimates.csv", wave=WAVES),
        weights=expand("results/{wave}/weights_diagnostics.csv", wave=WAVES),
        accounting=expand("results/{wave}/clean/accounting.csv", wave=WAVES),
        households=expand("results/{wave}/clean/households.parquet", wave=WAVES),
        plan_figures=rules.plan_survey.output.sensitivity_figures,
        tables=expand(
            "results/{wave}/tables/{group}", wave=WAVES, group=["profile", "burden", "risk"]
        ),
        figures="results/figures",
        manifest="results/manifest.csv",
        evaluation=evaluation_outputs(),
        programme=expand("results/{wave}/programme/estimates.csv", wave=WAVES),
        code=notebook_code_inputs("10_final_report"),
    output:
        notebook="results/notebooks/10_final_report.ipynb",
        html=executed_html("10_final_report"),
        workbooks=expand("results/{wave}/report_tables.xlsx", wave=WAVES),
        report=report(
            "results/report/report.html", caption="../report/final_report.rst", category="Report"
        ),
        # report.language both: the English document beside the Chinese one
        # (injury_survey.report_document.report_paths).
        english=[
            report(
                "results/report/report_en.html",
                caption="../report/final_report.rst",
                category="Report",
            )
        ]
        if config["report"]["language"] == "both"
        else [],
    params:
        parameters=papermill_parameters(survey_dir=".", out="results/report/report.html"),
        settings=SETTINGS,
    log:
        notebook="results/logs/final_report/10_final_report.ipynb",
        stderr="results/logs/final_report/papermill.log",
    benchmark:
        "results/benchmarks/final_report.tsv"
    threads: 1
    resources:
        mem_mb=memory_mb("final_report"),
        runtime=30,
    shell:
        PAPERMILL


rule manifest:
    input:
        files=input_files(),
        code=module_code("injury_survey.manifest"),
    output:
        "results/manifest.csv",
    params:
        # as the survey folder names them (input.files carries a district town's prefix)
        files=input_files(),
    log:
        "results/logs/manifest.log",
    shell:
        f"{IN_SURVEY_FOLDER}{PYTHON} -m injury_survey.manifest --out {{output:q}} "
        "{params.files:q} > {log:q} 2>&1"


rule index:
    input:
        notebooks=executed_notebooks_html(),
        code=module_code("injury_survey.notebook_index"),
    output:
        "results/index.html",
    params:
        title=INDEX_TITLE,
    log:
        "results/logs/index.log",
    shell:
        f"{PYTHON} -m injury_survey.notebook_index "
        "--title {params.title:q} --out {output:q} "
        "{input.notebooks:q} > {log:q} 2>&1"
