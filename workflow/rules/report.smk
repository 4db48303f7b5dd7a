# The report: figures and the tables workbook, then reviewers' copies of every executed notebook
# rendered to HTML, and an index in pipeline order.


rule report_figures:
    input:
        notebook=notebook("09_report_figures"),
        tables=expand(
            "results/{wave}/tables/{group}", wave=WAVES, group=["profile", "burden", "risk"]
        ),
        estimates=expand("results/{wave}/estimates.csv", wave=WAVES),
        code=package_files("report_figures.py", "figures", "report_tables"),
    output:
        notebook="results/notebooks/09_report_figures.ipynb",
        figures=report(
            directory("results/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
        workbooks=expand("results/{wave}/report_tables.xlsx", wave=WAVES),
    params:
        parameters=papermill_parameters(survey_dir=".", out_dir="results/figures"),
    log:
        notebook="results/logs/report_figures/09_report_figures.ipynb",
        stderr="results/logs/report_figures/papermill.log",
    shell:
        PAPERMILL


rule final_report:
    input:
        notebook=notebook("10_final_report"),
        plan="results/plan/plan.yaml",
        estimates=expand("results/{wave}/estimates.csv", wave=WAVES),
        weights=expand("results/{wave}/weights_diagnostics.csv", wave=WAVES),
        accounting=expand("results/{wave}/clean/accounting.csv", wave=WAVES),
        tables=expand(
            "results/{wave}/tables/{group}", wave=WAVES, group=["profile", "burden", "risk"]
        ),
        figures="results/figures",
        programme=expand("results/{wave}/programme/estimates.csv", wave=WAVES),
        code=package_files("report_document", "report_tables", "programme_report.py"),
    output:
        notebook="results/notebooks/10_final_report.ipynb",
        report=report(
            "results/report/report.html", caption="../report/final_report.rst", category="Report"
        ),
    params:
        parameters=papermill_parameters(survey_dir=".", out="results/report/report.html"),
    log:
        notebook="results/logs/final_report/10_final_report.ipynb",
        stderr="results/logs/final_report/papermill.log",
    shell:
        PAPERMILL


rule render_notebook:
    input:
        "results/notebooks/{name}.ipynb",
    output:
        report(
            "results/notebooks/{name}.html",
            caption="../report/notebook.rst",
            category="Notebooks",
            labels={"notebook": "{name}"},
        ),
    log:
        "results/logs/render_notebook/{name}.log",
    shell:
        # The stale default `parameters` cell is hidden; the injected one shows what ran.
        f"{PYTHON} -m nbconvert --to html --TagRemovePreprocessor.remove_cell_tags=parameters "
        "--output-dir results/notebooks {input} > {log} 2>&1"


rule index:
    input:
        executed_notebooks_html(),
    output:
        "results/index.html",
    params:
        title=INDEX_TITLE,
    log:
        "results/logs/index.log",
    shell:
        f"{PYTHON} -m injury_survey.notebook_index "
        "--title {params.title:q} --out {output} "
        "{input} > {log} 2>&1"
