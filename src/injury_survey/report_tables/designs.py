"""The two designs every report table is estimated on, and the frames they are built from.

Both carry the variance declaration of the estimates (``estimation.certainty_psus``,
``estimation.fpc``; :mod:`injury_survey.variance_design`) and the lonely-PSU rule
(docs/methods.md §6.2):

- the **person design** — one row per person of a responding household, strata = ``stratum_id``,
  PSU = ``psu_id``, the final (calibrated) weight. Incidence (I1), episode and cause-specific
  rates (I2, I5) are ratio estimators ``Σw·y / Σw·x`` on it, always over all persons (domains by
  ``by=``/``where=``, never by subsetting), so PSUs without a case still count;
- the **episode design** — one row per case episode in the recall window, carrying its person's
  weight, stratum, PSU and household, plus a placeholder for every sampled household without an
  episode. Episodes are the third stage of the sample (every episode of every member of a sampled
  household), so compositions (构成比) are domain proportions on the same multistage declaration
  (Lumley 2010, §2.3). It treats the calibrated weights as fixed (no calibration credit, which is
  conservative).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from injury_survey.design_spec import CalibrationSpec
from injury_survey.report_tables.core import ReportSettings, ReportTablesError
from injury_survey.survey_design import SurveyDesign
from injury_survey.variance_design import VarianceDeclaration

# Person columns the tables use beyond the weights contract; taken from the clean persons table
# when the weights file does not carry them.
PERSON_COLUMNS = (
    "education",
    "occupation",
    "marital",
    "hukou",
    "proxy",
    "respondent_type",
    "age_group_5y",
    "injured_12m",
    "months_present_12m",
)
# Person columns copied onto each episode: the design (strata, PSUs, households, weights and the
# variance declaration's certainty flag and population sizes) and the person's domains.
EPISODE_DESIGN_COLUMNS = (
    "stratum_id",
    "psu_id",
    "hh_id",
    "certainty",
    "psus_in_frame",
    "households_listed",
    "weight",
    "sex",
    "age_group",
    "age_years",
)


class ReportData:
    """Persons and case episodes ready for the designs, built once for all tables.

    Parameters
    ----------
    weights
        The ``weights.parquet`` contract: person_id, hh_id, stratum_id, psu_id, weight, sex,
        age_years, age_group, injured, n_episodes, person_years (+ other person columns).
    clean_tables
        The cleaning output: ``households``, ``persons``, ``episodes`` and optionally ``deaths``.
    settings
        :class:`ReportSettings`.
    calibration
        How ``weight`` was calibrated (:class:`~injury_survey.design_spec.CalibrationSpec`),
        so that person-level SEs credit the calibration; None treats weights as fixed.
    """

    def __init__(
        self,
        weights: pd.DataFrame,
        clean_tables: Mapping[str, pd.DataFrame],
        *,
        settings: ReportSettings,
        calibration: CalibrationSpec | None = None,
    ):
        self.settings = settings
        self.calibration = calibration
        self.households = clean_tables.get("households")
        self.deaths = clean_tables.get("deaths")
        self.persons = _persons_frame(weights, clean_tables.get("persons"))
        self.all_episodes = clean_tables.get("episodes")
        self.episodes, self.episodes_left_out = _case_episodes(self.all_episodes, self.persons)

    # designs -------------------------------------------------------------------------------

    def person_design(self, extra: Mapping[str, pd.Series] | None = None) -> SurveyDesign:
        """The person design, with ``extra`` columns (aligned with :attr:`persons`) added.

        Every such design is :attr:`base_person_design` with columns added: its frame, checks
        and variance columns are made once per notebook, not once per table."""
        if not extra:
            return self.base_person_design
        return self.base_person_design.with_columns(
            {name: values.to_numpy() for name, values in extra.items()}
        )

    def episode_design(self, extra: Mapping[str, pd.Series] | None = None) -> SurveyDesign:
        """The episode design (weights fixed) over every sampled household, declared like the
        person design (``estimation.certainty_psus``, ``estimation.fpc``).

        Episodes are the third stage of the sample: clustered in households (the second-stage
        units, all members interviewed), clustered in PSUs. Most households, and many PSUs, have
        no case episode. Estimating on the episodes alone would drop them from the variance:
        PSUs (and strata left with one PSU) from the first stage, and the episode-free
        households from a certainty PSU made its own stratum (its households are its sampling
        units) and from the second-stage fpc term (``m_i`` households sampled in PSU ``i``).
        Instead each sampled household without episodes (each PSU, when the data have no
        household column) gets one placeholder row, outside every domain, so that episode-level
        estimates are domain estimates on the full design (R: ``subset()`` of
        ``svydesign(ids = ~psu + hh, fpc = ~N_h + M_i)`` over the episodes and placeholders;
        Lumley 2010, §2.3; docs/methods.md §6.2). Every analysis on this design must therefore
        restrict to its domain with ``where=`` on a 0/1 column of ``extra`` (placeholders carry
        0 in every ``extra`` column).
        """
        base, n_episodes = self._base_episode_design
        if not extra:
            return base
        # the extra columns over the episodes, then their placeholder value (0, or missing text)
        episode_values = pd.DataFrame({name: values.to_numpy() for name, values in extra.items()})
        placeholders = len(base.data) - n_episodes
        if placeholders:
            fill = {
                name: 0 if pd.api.types.is_numeric_dtype(episode_values[name]) else None
                for name in extra
            }
            filled = pd.DataFrame(fill, index=pd.RangeIndex(placeholders))
            episode_values = pd.concat([episode_values, filled], ignore_index=True)
        return base.with_columns(dict(episode_values.items()))

    @cached_property
    def _base_episode_design(self) -> tuple[SurveyDesign, int]:
        """The episode design without analysis columns, and its number of episode rows (the
        placeholders follow them); made once, the designs with columns derive from it."""
        if self.episodes.empty:
            raise ReportTablesError(
                "No case episodes in the recall window: episode-level tables cannot be made."
            )
        frame = _design_frame(self.episodes, ())
        units = ["stratum_id", "psu_id"] + (["hh_id"] if "hh_id" in frame.columns else [])
        unit_columns = [*units, *(c for c in _UNIT_DESIGN_COLUMNS if c in frame.columns)]
        sampled = self.persons[unit_columns].drop_duplicates(units)
        seen = pd.MultiIndex.from_frame(frame[units].astype(str))
        empty = sampled[
            ~pd.MultiIndex.from_frame(sampled[units].astype(str)).isin(seen)
        ].reset_index(drop=True)
        n_episodes = len(frame)
        if not empty.empty:
            frame = pd.concat([frame, empty.assign(weight=1.0)], ignore_index=True)
        design = SurveyDesign(frame, lonely_psu=self.settings.lonely_psu, variance=self.variance)
        return design, n_episodes

    @property
    def variance(self) -> VarianceDeclaration:
        """The variance declaration of both designs (certainty PSUs, fpc) from the settings."""
        return VarianceDeclaration(self.settings.certainty_psus, self.settings.fpc)

    def with_episode_column(self, name: str, values: pd.Series) -> ReportData:
        """A copy whose episodes carry one more column (e.g. an indicator to compose)."""
        copy = object.__new__(ReportData)
        copy.__dict__.update(self.__dict__)
        copy.episodes = self.episodes.assign(**{name: values.to_numpy()})
        return copy

    @property
    def _calibration_columns(self) -> tuple[str, ...]:
        if self.calibration is None:
            return ()
        return (self.calibration.weight_before, *self.calibration.cells)

    @cached_property
    def base_person_design(self) -> SurveyDesign:
        """The person design without analysis columns; the others derive from it."""
        return SurveyDesign(
            _design_frame(self.persons, self._calibration_columns),
            lonely_psu=self.settings.lonely_psu,
            calibration=self.calibration,
            variance=self.variance,
        )

    def per_person(self, values: pd.Series, mask: pd.Series | None = None) -> pd.Series:
        """Sum of an episode column (or of 1) over each person's case episodes, 0 if none.

        Aligned with :attr:`persons`: the ``y`` of a person-level rate.
        """
        keep = pd.Series(True, index=self.episodes.index) if mask is None else mask.fillna(False)
        keep = keep.astype(bool)
        # grouped by the person's row number: the same sums as by person_id, without looking up
        # a million text keys for every indicator
        totals = values[keep].groupby(self._episode_person_rows[keep]).sum()
        out = np.zeros(len(self.persons))
        out[totals.index.to_numpy()] = totals.to_numpy(dtype=float)
        return pd.Series(out, name="person_id")

    @cached_property
    def _episode_person_rows(self) -> pd.Series:
        """Each case episode's person as a row number of :attr:`persons` (person_id is unique
        there: the episodes were joined to it many-to-one)."""
        rows = pd.Index(self.persons["person_id"]).get_indexer(self.episodes["person_id"])
        return pd.Series(rows, index=self.episodes.index)


# Columns a design frame keeps: the design, the domains and the person-level analysis variables.
DESIGN_FRAME_COLUMNS = (
    *EPISODE_DESIGN_COLUMNS,
    "injured",
    "n_episodes",
    "person_years",
    "_one",
    "education",
    "occupation",
    "marital",
    "hukou",
)


# Columns constant within a sampled household that a placeholder row of the episode design carries.
_UNIT_DESIGN_COLUMNS = ("certainty", "psus_in_frame", "households_listed")


def _design_frame(frame: pd.DataFrame, calibration_columns: Sequence[str]) -> pd.DataFrame:
    """The columns a design needs, as plain types (svy takes polars; categoricals become text)."""
    keep = [c for c in dict.fromkeys([*DESIGN_FRAME_COLUMNS, *calibration_columns]) if c in frame]
    out = frame[keep]  # copy on write: the assignments below leave ``frame`` as it is
    for column in keep:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
    if "proxy" in frame.columns:
        out["proxy"] = frame["proxy"].astype("boolean").fillna(False).astype(int)
    return out


def _persons_frame(weights: pd.DataFrame, persons: pd.DataFrame | None) -> pd.DataFrame:
    required = ["person_id", "stratum_id", "psu_id", "weight", "sex", "age_group", "injured"]
    missing = [c for c in required if c not in weights.columns]
    if missing:
        raise ReportTablesError(
            f"weights.parquet lacks the column(s) {missing}; it must follow the weights contract "
            "(person_id, hh_id, stratum_id, psu_id, weight_base, weight, sex, age_years, "
            "age_group, injured, n_episodes, person_years). Rerun the weights step."
        )
    # Copy on write: the columns converted below are new arrays, the others are shared with
    # ``weights`` (a deep copy held a second person table for the whole notebook).
    frame = weights.reset_index(drop=True)
    if persons is not None:
        extra = [c for c in PERSON_COLUMNS if c in persons.columns and c not in frame.columns]
        if extra:
            lookup = persons.drop_duplicates("person_id").set_index("person_id")[extra]
            frame = frame.join(lookup, on="person_id")
    for column in ("stratum_id", "psu_id", "person_id"):
        frame[column] = frame[column].astype(str)
    frame["age_group"] = frame["age_group"].astype(str)
    frame["sex"] = pd.to_numeric(frame["sex"]).astype("int64")
    frame["injured"] = pd.to_numeric(frame["injured"]).astype("int64")
    if "n_episodes" in frame.columns:
        frame["n_episodes"] = pd.to_numeric(frame["n_episodes"]).astype(float)
    if "person_years" not in frame.columns:
        raise ReportTablesError("weights.parquet lacks 'person_years' (months_present_12m / 12).")
    frame["person_years"] = pd.to_numeric(frame["person_years"]).astype(float)
    frame["_one"] = 1.0
    return frame


def _case_episodes(
    episodes: pd.DataFrame | None, persons: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """Case episodes in the window joined to their person's design columns."""
    if episodes is None:
        raise ReportTablesError("The clean tables have no 'episodes' table.")
    for column in ("is_case", "person_id"):
        if column not in episodes.columns:
            raise ReportTablesError(
                f"The clean episodes table lacks '{column}'; run the cleaning step "
                "(injury_survey.cleaning.derive_episodes) before the report tables."
            )
    is_case = episodes["is_case"].fillna(False).astype(bool)
    if "in_window" in episodes.columns:
        is_case &= episodes["in_window"].fillna(False).astype(bool)
    cases = episodes[is_case].copy()
    cases["person_id"] = cases["person_id"].astype(str)
    cases = cases.drop(columns=[c for c in EPISODE_DESIGN_COLUMNS if c in cases.columns])
    design = persons[["person_id", *[c for c in EPISODE_DESIGN_COLUMNS if c in persons.columns]]]
    merged = cases.merge(design, on="person_id", how="inner", validate="many_to_one")
    return merged.reset_index(drop=True), len(cases) - len(merged)
