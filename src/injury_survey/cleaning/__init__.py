"""Cleaning of the survey tables: rule engine, case definitions, derived variables, QC tables.

- :func:`clean_survey` (engine) runs every rule of docs/methods.md §4 and returns clean tables,
  rejected rows with reasons, issues, a rule summary and a row accounting;
- :mod:`~injury_survey.cleaning.rules` is the rule table (one entry + one check per rule);
- :mod:`~injury_survey.cleaning.derive` computes the recall window, the three case definitions
  and the other derived variables;
- :mod:`~injury_survey.cleaning.design` checks the design files (frame, sample list, census),
  which are never cleaned row by row: an error stops the run before any weight exists;
- :mod:`~injury_survey.cleaning.qc` builds the pilot/QC tables (response rates, item
  non-response, "other" shares, questionnaire revisions, interviewer table).
"""

from injury_survey.cleaning.derive import (
    CASE_DEFINITIONS,
    age_group_5y,
    case_flags,
    derive_episodes,
    derive_households,
    derive_persons,
    in_recall_window,
    months_before_interview,
    recall_window,
    report_age_group,
)
from injury_survey.cleaning.design import (
    DesignCheckError,
    check_design_files,
    raise_design_errors,
)
from injury_survey.cleaning.engine import CleanResult, RowAccountingError, clean_survey
from injury_survey.cleaning.qc import (
    interviewer_table,
    item_nonresponse,
    other_share,
    questionnaire_revisions,
    response_rates,
    skip_violations_by_household,
)
from injury_survey.cleaning.rules import RULES, Rule, RuleContext, SkipRule

__all__ = [
    "CASE_DEFINITIONS",
    "RULES",
    "CleanResult",
    "DesignCheckError",
    "Rule",
    "RuleContext",
    "RowAccountingError",
    "SkipRule",
    "age_group_5y",
    "case_flags",
    "check_design_files",
    "clean_survey",
    "derive_episodes",
    "derive_households",
    "derive_persons",
    "in_recall_window",
    "interviewer_table",
    "item_nonresponse",
    "months_before_interview",
    "other_share",
    "questionnaire_revisions",
    "raise_design_errors",
    "recall_window",
    "report_age_group",
    "response_rates",
    "skip_violations_by_household",
]
