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
        "jupyter nbconvert --to html --TagRemovePreprocessor.remove_cell_tags=parameters "
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
        "python -m injury_survey.notebook_index --title {params.title:q} --out {output} "
        "{input} > {log} 2>&1"
