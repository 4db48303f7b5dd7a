# Reviewers' copies: every executed notebook rendered to HTML, and an index in pipeline order.


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
