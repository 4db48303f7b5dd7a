"""Figures of the pilot, the plan and the report, in one house style, in Chinese and English.

:mod:`~injury_survey.figures.style` holds the font, sizes, palette, the bilingual figure texts
and :func:`save_figure`. One function per figure (docs/methods.md §6.6) in
:mod:`~injury_survey.figures.charts` (estimate figures F3–F9),
:mod:`~injury_survey.figures.sample_charts` (F1, F2, F10 and the plan's sample-size figure),
:mod:`~injury_survey.figures.evaluation_charts` (the evaluation's forest plots) and
:mod:`~injury_survey.figures.programme_chart` (the programme section's figure);
:mod:`~injury_survey.figures.common` holds their shared table checks. Each takes a tidy table, a
language and the codebook labels, and returns a matplotlib Figure::

    from injury_survey.figures import incidence_by_age_sex, save_figure, figure_languages

    for lang in figure_languages(config["report"]["language"]):
        fig = incidence_by_age_sex(table, lang=lang, labels=codebook)
        caption = figure_caption(
            "f3", lang, source=survey_name, method=method_note(lang, labels=codebook, ...)
        )
        save_figure(fig, "results/baseline/figures", "f03_incidence_age_sex", lang=lang,
                    caption=caption)

Figures are plain ``matplotlib.figure.Figure`` objects (no pyplot window, no display needed);
a notebook shows one by making it the cell's last expression or with ``display(fig)``.
"""

from injury_survey.figures.charts import (
    baseline_followup_forest,
    body_part_and_nature,
    cause_place_heatmap,
    incidence_by_age_sex,
    injury_pyramid,
    leading_causes,
    leading_causes_by_age,
    month_and_hour,
)
from injury_survey.figures.sample_charts import (
    participant_flow,
    population_pyramid,
    recall_decay,
    sample_size_sensitivity,
    weight_distribution,
)
from injury_survey.figures.style import (
    FIGURE_TEXTS,
    Labels,
    as_image,
    figure_caption,
    figure_languages,
    figure_text,
    house_style,
    method_note,
    save_figure,
    use_house_style,
)

__all__ = [
    "FIGURE_TEXTS",
    "as_image",
    "Labels",
    "baseline_followup_forest",
    "body_part_and_nature",
    "cause_place_heatmap",
    "figure_caption",
    "figure_languages",
    "figure_text",
    "house_style",
    "incidence_by_age_sex",
    "injury_pyramid",
    "leading_causes",
    "leading_causes_by_age",
    "method_note",
    "month_and_hour",
    "participant_flow",
    "population_pyramid",
    "recall_decay",
    "sample_size_sensitivity",
    "save_figure",
    "use_house_style",
    "weight_distribution",
]
