"""A seeded synthetic community injury survey: town, truth, pilot and formal survey (SYNTHETIC).

Nothing here is real data. The package builds a town whose every resident and injury is known
(:func:`simulate_population`), lets a simulated field team interview a sample of its households
(:func:`field_survey`, :func:`make_pilot`) with the imperfections of real fieldwork — household
non-response, proxy answers, recall decay, interviewer differences, partial dates, and a few
deliberately planted data errors — and writes a survey folder in the docs/input-tables.md layout with a
truth file (:func:`write_survey`), so the pipeline's estimates can be checked against known values.
"""

from injury_survey.simulate.fieldwork import field_survey, make_pilot, pilot_sample
from injury_survey.simulate.population import CASE_DEFINITIONS, Population, simulate_population
from injury_survey.simulate.problems import plant_problems
from injury_survey.simulate.survey_folder import PRESETS, write_survey

__all__ = [
    "CASE_DEFINITIONS",
    "PRESETS",
    "Population",
    "field_survey",
    "make_pilot",
    "pilot_sample",
    "plant_problems",
    "simulate_population",
    "write_survey",
]
