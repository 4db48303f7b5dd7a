"""Community injury household survey pipeline (Safe Community / 安全社区).

The package holds the domain logic that the pipeline's notebooks, the Snakefile and the
tests call: intake and cleaning of survey tables, sample size and sample selection,
weighting, design-based estimation (through :mod:`injury_survey.survey_design`, the only
module that imports ``svy``), report tables and figures.
"""

__version__ = "0.1.0"
