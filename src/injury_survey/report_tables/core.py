"""Shared machinery of the report tables: settings, inputs, designs, estimators, flags, notes.

Two designs serve every table (docs/methods.md §6.2):

- the **person design** — one row per person of a responding household, strata = ``stratum_id``,
  PSU = ``psu_id``, the final (calibrated) weight. Incidence (I1), episode and cause-specific
  rates (I2, I5) are ratio estimators ``Σw·y / Σw·x`` on it, always over all persons (domains by
  ``by=``/``where=``, never by subsetting), so PSUs without a case still count;
- the **episode design** — one row per case episode in the recall window, carrying its person's
  weight, stratum and PSU. Compositions (构成比) are proportions on it (Lumley 2010, §2.3: a
  cluster sample of episodes, clustered by PSU). It treats the calibrated weights as fixed (no
  calibration credit, which is conservative) and sees only PSUs with an episode.

Conventions of every table's tidy data: proportions are fractions 0–1 with ``unit="proportion"``
(shown as %), rates are already in their unit (``"per_1000"``, ``"per_1000_py"``,
``"per_100000_py"``); ``n`` is the unweighted denominator (persons or episodes in the domain),
``n_cases`` the unweighted numerator (persons or episodes *in the cell*); ``flag`` is
``"unstable"`` when ``n`` < ``estimation.unstable_min_n`` or RSE > ``estimation.unstable_max_rse``;
``suppressed`` is True when 0 < ``n_cases`` < ``report.suppress_below`` — the rule counts the
unweighted *cases in the cell* (persons or episodes), since they are the ones a small cell could
identify; a zero is not disclosive and is shown as 0 — and, by complementary suppression, for the
next-smallest cell of any margin that would otherwise give a lone suppressed cell away
(:func:`complementary_suppression`). Flags follow the figures' estimates contract
(``injury_survey.figures``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from injury_survey.design_spec import CalibrationSpec
from injury_survey.survey_design import SurveyDesign
from injury_survey.variance_design import VarianceDeclaration

FLAG_UNSTABLE = "unstable"
FLAG_SUPPRESSED = "suppressed"

VALUE_COLUMNS = [
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "deff",
    "df",
    "n",
    "n_cases",
    "flag",
    "suppressed",
]

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
# Person columns copied onto each episode (the episode design's strata, PSUs and weights).
EPISODE_DESIGN_COLUMNS = ("stratum_id", "psu_id", "weight", "sex", "age_group", "age_years")


class ReportTablesError(ValueError):
    """The inputs cannot make the report tables; the message says what to do."""


# ---------------------------------------------------------------------------------- tables


@dataclass
class Table:
    """One report table: its tidy data and what the workbook needs to lay it out.

    ``row_keys`` are the columns that name a row of the formatted sheet (codes; their labels are
    the ``<key>_zh``/``<key>_en`` columns), ``column_keys`` those spread across the sheet
    (usually ``indicator``).
    """

    id: str
    title_zh: str
    title_en: str
    data: pd.DataFrame
    notes_zh: str
    notes_en: str
    row_keys: tuple[str, ...] = ()
    column_keys: tuple[str, ...] = ("indicator",)

    def notes(self, lang: str) -> str:
        """The table notes in ``lang`` ("zh" or "en")."""
        return self.notes_zh if lang == "zh" else self.notes_en


# ---------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ReportSettings:
    """The configuration keys the tables use (config.yaml; schema in workflow/schemas)."""

    case_definition: str = "case_cn_halfday"
    recall: Mapping[str, Any] = field(default_factory=lambda: {"mode": "rolling", "days": 365})
    age_groups: tuple[int, ...] = (0, 15, 45, 65)
    confidence: float = 0.95
    ci_method: str = "logit"
    lonely_psu: str = "fail"
    certainty_psus: str = "as_sampled"
    fpc: str = "none"
    standard_population: str = "china2010"
    standardization_top_age: int = 85
    unstable_min_n: int = 30
    unstable_max_rse: float = 0.30
    domains: tuple[str, ...] = ("sex", "age_group")
    suppress_below: int = 5
    language: str = "both"
    rank_residual_causes: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReportSettings:
        """Settings from a loaded (validated) config dict; absent keys keep the defaults."""
        estimation = dict(config.get("estimation") or {})
        report = dict(config.get("report") or {})
        defaults = cls()
        return cls(
            case_definition=config.get("case_definition", defaults.case_definition),
            recall=dict(config.get("recall") or defaults.recall),
            age_groups=tuple(config.get("age_groups", defaults.age_groups)),
            confidence=float(estimation.get("confidence", defaults.confidence)),
            ci_method=estimation.get("ci_method", defaults.ci_method),
            lonely_psu=estimation.get("lonely_psu", defaults.lonely_psu),
            certainty_psus=estimation.get("certainty_psus", defaults.certainty_psus),
            fpc=estimation.get("fpc", defaults.fpc),
            standard_population=estimation.get("standard_population", defaults.standard_population),
            standardization_top_age=int(
                estimation.get("standardization_top_age", defaults.standardization_top_age)
            ),
            unstable_min_n=int(estimation.get("unstable_min_n", defaults.unstable_min_n)),
            unstable_max_rse=float(estimation.get("unstable_max_rse", defaults.unstable_max_rse)),
            domains=tuple(estimation.get("domains", defaults.domains)),
            suppress_below=int(report.get("suppress_below", defaults.suppress_below)),
            language=report.get("language", defaults.language),
            rank_residual_causes=bool(
                report.get("rank_residual_causes", defaults.rank_residual_causes)
            ),
        )


# ---------------------------------------------------------------------------------- words


class Words:
    """Report words in zh/en: the codebook's labels first, then the package's ``words.yaml``.

    Code labels always come from the codebook (:meth:`label`); titles, headings and notes that a
    codebook may not define fall back to ``report_tables/words.yaml``.
    """

    def __init__(self, codebook: Any):
        self.codebook = codebook
        path = files("injury_survey") / "report_tables" / "words.yaml"
        with path.open(encoding="utf-8") as handle:
            self._words: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(handle)

    def text(self, group: str, key: str, lang: str, **fields: object) -> str:
        """The word ``group.key`` in ``lang`` (codebook ``labels`` first), with fields filled."""
        try:
            value = self.codebook.text(f"{group}.{key}", lang)
        except (KeyError, AttributeError):
            try:
                value = self._words[group][key][lang]
            except KeyError:
                value = None
            if value is None:
                try:
                    value = self.codebook.text(key, lang)
                except (KeyError, AttributeError):
                    raise KeyError(
                        f"No report word {group}.{key!r} in the codebook or in words.yaml."
                    ) from None
        return value.format(**fields) if fields else value

    def both(self, group: str, key: str, **fields: object) -> tuple[str, str]:
        return self.text(group, key, "zh", **fields), self.text(group, key, "en", **fields)

    def label(self, variable: str, code: object, lang: str) -> str:
        """Codebook label of a code; the code itself as text when the list has no such code."""
        if code is None or (not isinstance(code, str) and pd.isna(code)):
            return ""
        try:
            return self.codebook.label(variable, code, lang)
        except (KeyError, ValueError, TypeError):
            return str(code)

    def variable_label(self, variable: str, lang: str) -> str:
        for lookup in (
            lambda: self.codebook.variable_label(variable, lang),
            lambda: self.codebook.text(f"columns.{variable}", lang),
            lambda: self.text("terms", variable, lang),
            lambda: self.text("headings", variable, lang),
        ):
            try:
                return lookup()
            except (KeyError, AttributeError):
                continue
        return variable


# ---------------------------------------------------------------------------------- inputs


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
        """The person design, with ``extra`` columns (aligned with :attr:`persons`) added."""
        frame = _design_frame(self.persons, self._calibration_columns)
        if extra:
            frame = frame.assign(**{name: values.to_numpy() for name, values in extra.items()})
        return SurveyDesign(
            frame,
            lonely_psu=self.settings.lonely_psu,
            calibration=self.calibration,
            variance=VarianceDeclaration(self.settings.certainty_psus, self.settings.fpc),
        )

    def episode_design(self, extra: Mapping[str, pd.Series] | None = None) -> SurveyDesign:
        """The episode design (weights fixed) over every sampled PSU.

        Episodes are clustered in the persons' PSUs, but many PSUs have no case episode at all.
        Estimating on the episodes alone would drop those PSUs from the variance (and leave
        strata with a single PSU); instead each PSU without episodes gets one placeholder row,
        outside every domain, so that episode-level estimates are domain estimates on the full
        design (R: ``subset()`` of a design that holds every PSU; Lumley 2010, §2.3). Every
        analysis on this design must therefore restrict to its domain with ``where=`` on a 0/1
        column of ``extra`` (placeholders carry 0 in every ``extra`` column).
        """
        if self.episodes.empty:
            raise ReportTablesError(
                "No case episodes in the recall window: episode-level tables cannot be made."
            )
        frame = _design_frame(self.episodes, ())
        if extra:
            frame = frame.assign(**{name: values.to_numpy() for name, values in extra.items()})
        design_psus = self.persons[["stratum_id", "psu_id"]].drop_duplicates()
        seen = pd.MultiIndex.from_frame(frame[["stratum_id", "psu_id"]].astype(str))
        empty = design_psus[
            ~pd.MultiIndex.from_frame(design_psus.astype(str)).isin(seen)
        ].reset_index(drop=True)
        if not empty.empty:
            fill = {
                name: 0 if pd.api.types.is_numeric_dtype(frame[name]) else None
                for name in extra or {}
            }
            placeholders = empty.assign(weight=1.0, **fill)
            frame = pd.concat([frame, placeholders], ignore_index=True)
        return SurveyDesign(frame, lonely_psu=self.settings.lonely_psu)

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
        return self.person_design()

    def per_person(self, values: pd.Series, mask: pd.Series | None = None) -> pd.Series:
        """Sum of an episode column (or of 1) over each person's case episodes, 0 if none.

        Aligned with :attr:`persons`: the ``y`` of a person-level rate.
        """
        keep = pd.Series(True, index=self.episodes.index) if mask is None else mask.fillna(False)
        sums = values[keep.astype(bool)].groupby(self.episodes.loc[keep.astype(bool), "person_id"])
        totals = sums.sum()
        return self.persons["person_id"].map(totals).fillna(0).astype(float).reset_index(drop=True)


# Columns a design frame keeps: the design, the domains and the person-level analysis variables.
_DESIGN_FRAME_COLUMNS = (
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
    "injured",
    "n_episodes",
    "person_years",
    "_one",
    "education",
    "occupation",
    "marital",
    "hukou",
)


def _design_frame(frame: pd.DataFrame, calibration_columns: Sequence[str]) -> pd.DataFrame:
    """The columns a design needs, as plain types (svy takes polars; categoricals become text)."""
    keep = [c for c in dict.fromkeys([*_DESIGN_FRAME_COLUMNS, *calibration_columns]) if c in frame]
    out = frame[keep].copy()
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
    frame = weights.reset_index(drop=True).copy()
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


# ---------------------------------------------------------------------------------- estimators


def composition(
    data: ReportData,
    variable: str,
    *,
    codes: Sequence[int],
    by: str | Sequence[str] | None = None,
    domain: pd.Series | None = None,
    by_name: str | None = None,
) -> pd.DataFrame:
    """Share of case episodes in each category of ``variable`` (构成比), per ``by`` domain.

    ``p_k = Σw·[variable = k] / Σw`` over the episodes of the domain, a proportion on the
    episode design with a logit (or Korn–Graubard) CI clustered by PSU (docs/methods.md §6.2).
    Episodes whose ``variable`` is missing are left out of the denominator (the question was not
    asked); don't-know codes stay a category (§4.6). ``domain`` (a boolean Series over the
    episodes) restricts to a sub-population on the full episode design (R ``subset``).
    Returns ``by`` columns, ``by`` (= ``by_name`` or ``variable``), ``level`` and the value
    columns.
    """
    settings = data.settings
    episodes = data.episodes
    values = pd.to_numeric(episodes[variable], errors="coerce")
    valid = values.notna()
    if domain is not None:
        valid &= domain.fillna(False).astype(bool)
    extra = {"_in_domain": valid.astype(int)}
    for code in codes:
        extra[f"_is_{code}"] = (values == code).fillna(False).astype(int)
    by_cols = [by] if isinstance(by, str) else list(by or [])
    for column in by_cols:
        extra[column] = _domain_codes(episodes[column])
    if not valid.any():
        return _empty(by_cols + ["by", "level"])
    design = data.episode_design(extra)
    rows = []
    for code in codes:
        table = design.proportion(
            f"_is_{code}",
            by=by_cols or None,
            where=("_in_domain", 1),
            ci_method=settings.ci_method,
            confidence=settings.confidence,
        )
        cell = (values == code).fillna(False) & valid
        table["n_cases"] = _count_cells(episodes, cell, by_cols, table)
        table.insert(len(by_cols), "level", code)
        rows.append(table)
    out = pd.concat(rows, ignore_index=True)
    out.insert(len(by_cols), "by", by_name or variable)
    return out


def person_rates(
    data: ReportData,
    ys: Mapping[object, pd.Series],
    *,
    cases: Mapping[object, pd.Series] | None = None,
    x: str = "_one",
    scale: float = 1000.0,
    by: str | Sequence[str] | None = None,
    key: str = "key",
) -> pd.DataFrame:
    """Rates ``Σw·y / Σw·x × scale`` over all persons (R ``svyratio``), log-scale CIs.

    ``ys`` maps a key (e.g. a cause code) to a per-person ``y`` aligned with
    :attr:`ReportData.persons` (e.g. :meth:`ReportData.per_person` counts of that cause's
    episodes); ``x`` is ``"_one"`` (per persons) or ``"person_years"``. ``cases`` gives the
    per-person unweighted numerator for ``n_cases`` (defaults to ``y``). One design carries all
    the ``y`` columns (building a calibrated design is the expensive step). The key is returned
    in the column ``key``.
    """
    settings = data.settings
    by_cols = [by] if isinstance(by, str) else list(by or [])
    names = {k: f"_y{i}" for i, k in enumerate(ys)}
    design = data.person_design({names[k]: y.astype(float) for k, y in ys.items()})
    tables = []
    for k, y in ys.items():
        table = design.ratio(
            names[k], x, by=by_cols or None, scale=scale, confidence=settings.confidence
        )
        counted = (cases[k] if cases is not None else y).astype(float)
        frame = data.persons.assign(_count=counted.to_numpy())
        if by_cols:
            sums = frame.groupby(by_cols)["_count"].sum().rename("n_cases").reset_index()
            for column in by_cols:
                sums[column] = sums[column].astype(table[column].dtype)
            table = table.merge(sums, on=by_cols, how="left")
            table["n_cases"] = table["n_cases"].fillna(0)
        else:
            table["n_cases"] = frame["_count"].sum()
        table["n_cases"] = table["n_cases"].round().astype(int)
        table.insert(0, key, k)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def person_proportion(
    data: ReportData,
    y: str | pd.Series,
    *,
    by: str | Sequence[str] | None = None,
    where: pd.Series | None = None,
) -> pd.DataFrame:
    """Proportion of persons with ``y`` = 1 (e.g. incidence I1), CI per config, on all persons."""
    settings = data.settings
    by_cols = [by] if isinstance(by, str) else list(by or [])
    extra: dict[str, pd.Series] = {}
    name = y
    if isinstance(y, pd.Series):
        name = "_y"
        extra["_y"] = y.astype(int)
    if where is not None:
        extra["_where"] = where.fillna(False).astype(int)
    design = data.person_design(extra) if extra else data.base_person_design
    table = design.proportion(
        name,
        by=by_cols or None,
        where=("_where", 1) if where is not None else None,
        ci_method=settings.ci_method,
        confidence=settings.confidence,
    )
    frame = design.data
    if where is not None:
        frame = frame[frame["_where"] == 1]
    table["n_cases"] = _count_cells(frame, frame[name] == 1, by_cols, table)
    return table


def _domain_codes(values: pd.Series) -> pd.Series:
    """A domain column svy can group by: integer codes (missing → −1) or text."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().sum() == values.notna().sum():
        return numeric.fillna(-1).astype(int)
    return values.astype(str)


def _count_cells(
    frame: pd.DataFrame, cell: pd.Series, by_cols: list[str], table: pd.DataFrame
) -> list[int]:
    """Unweighted count of ``cell`` rows in each ``by`` domain of ``table``."""
    if not by_cols:
        return [int(cell.sum())] * len(table)
    counts = frame.loc[cell.to_numpy(dtype=bool), by_cols].value_counts()
    out = []
    for _, row in table[by_cols].iterrows():
        key = tuple(row[c] for c in by_cols)
        match = 0
        for candidate, count in counts.items():
            candidate = candidate if isinstance(candidate, tuple) else (candidate,)
            if all(str(a) == str(b) for a, b in zip(candidate, key, strict=True)):
                match = int(count)
                break
        out.append(match)
    return out


def _empty(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*keys, *VALUE_COLUMNS])


# ---------------------------------------------------------------------------------- flags


def finish(
    frame: pd.DataFrame,
    settings: ReportSettings,
    *,
    indicator: str | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """Add ``indicator``/``unit`` and the ``flag``/``suppressed`` columns (domain-ref §6.2).

    ``flag`` = "unstable" when ``n`` < unstable_min_n or RSE = se/estimate > unstable_max_rse;
    ``suppressed`` when 0 < ``n_cases`` < suppress_below (the cell's unweighted count; ``n``
    when the table has no case count). Suppressed cells get "suppressed" added to the flag.
    """
    out = frame.copy()
    if indicator is not None:
        out["indicator"] = indicator
    if unit is not None:
        out["unit"] = unit
    for column in ("estimate", "se", "ci_lower", "ci_upper", "deff", "df"):
        if column not in out.columns:
            out[column] = np.nan
    if "n" not in out.columns:
        out["n"] = pd.NA
    if "n_cases" not in out.columns:
        out["n_cases"] = out["n"]
    estimate = pd.to_numeric(out["estimate"], errors="coerce").astype(float)
    se = pd.to_numeric(out["se"], errors="coerce").astype(float)
    n = pd.to_numeric(out["n"], errors="coerce").astype(float)
    cases = pd.to_numeric(out["n_cases"], errors="coerce").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rse = se / estimate.abs()
    unstable = (n < settings.unstable_min_n) | (rse > settings.unstable_max_rse)
    suppressed = (cases > 0) & (cases < settings.suppress_below)
    flags = []
    for is_unstable, is_suppressed in zip(unstable.fillna(False), suppressed, strict=True):
        words = ([FLAG_UNSTABLE] if is_unstable else []) + (
            [FLAG_SUPPRESSED] if is_suppressed else []
        )
        flags.append(";".join(words))
    out["flag"] = flags
    out["suppressed"] = suppressed.to_numpy(dtype=bool)
    return out


def complementary_suppression(
    frame: pd.DataFrame, margins: Sequence[Sequence[str]], *, max_rounds: int = 20
) -> pd.DataFrame:
    """Secondary (complementary) suppression so that no hidden cell can be worked out.

    Each entry of ``margins`` names the columns whose combination forms a group of cells that add
    up to something published (a composition's 100 %, a row or column of a cross-table, the
    overall rate that cause-specific rates sum to). A group with exactly one suppressed cell
    would give that cell away by subtraction, so the group's unsuppressed cell with the smallest
    positive ``n_cases`` (the next-smallest) is suppressed too; a zero cell is used only when no
    positive one is left. Suppressing a cell can open another group, so the margins are
    revisited until every group holds no suppressed cell or at least two (docs/methods.md §6.2.5).
    """
    out = frame.reset_index(drop=True)
    if "suppressed" not in out.columns or not margins:
        return out
    suppressed = out["suppressed"].fillna(False).astype(bool).to_numpy().copy()
    cases = pd.to_numeric(out.get("n_cases"), errors="coerce").to_numpy(dtype=float)
    for _ in range(max_rounds):
        changed = False
        for columns in margins:
            present = [c for c in columns if c in out.columns]
            keys = (
                pd.Series(
                    ["|".join(map(str, values)) for values in out[present].itertuples(index=False)],
                    index=out.index,
                )
                if present
                else None
            )
            groups = [out.index] if keys is None else out.groupby(keys, sort=False).groups.values()
            for index in groups:
                positions = out.index.get_indexer(index)
                if len(positions) < 2 or suppressed[positions].sum() != 1:
                    continue
                open_cells = [p for p in positions if not suppressed[p]]
                positive = [p for p in open_cells if cases[p] > 0]
                pool = positive or open_cells
                partner = min(pool, key=lambda p: (cases[p], p))
                suppressed[partner] = True
                changed = True
        if not changed:
            break
    added = suppressed & ~out["suppressed"].fillna(False).astype(bool).to_numpy()
    out["suppressed"] = suppressed
    out.loc[added, "flag"] = [
        ";".join([w for w in str(flag).split(";") if w] + [FLAG_SUPPRESSED])
        for flag in out.loc[added, "flag"].fillna("")
    ]
    return out


def label_columns(frame: pd.DataFrame, variables: Mapping[str, str], words: Words) -> pd.DataFrame:
    """Add ``<column>_zh`` and ``<column>_en`` code labels from the codebook.

    ``variables`` maps a column to its codebook variable; the special value ``"@by"`` labels a
    ``level`` column with the variable named in each row's ``by``.
    """
    out = frame.copy()
    for column, variable in variables.items():
        if column not in out.columns:
            continue
        for lang in ("zh", "en"):
            if variable == "@by":
                out[f"{column}_{lang}"] = [
                    _row_label(words, by, code, lang)
                    for by, code in zip(out["by"], out[column], strict=True)
                ]
            else:
                out[f"{column}_{lang}"] = [words.label(variable, c, lang) for c in out[column]]
    return out


def _row_label(words: Words, variable: str, code: object, lang: str) -> str:
    return words.label(variable, code, lang)


def order_columns(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Keys (each followed by its labels), then indicator/unit, then the value columns."""
    ordered: list[str] = []
    for key in keys:
        for column in (key, f"{key}_zh", f"{key}_en"):
            if column in frame.columns and column not in ordered:
                ordered.append(column)
    for column in ("indicator", "unit", *VALUE_COLUMNS):
        if column in frame.columns and column not in ordered:
            ordered.append(column)
    rest = [c for c in frame.columns if c not in ordered]
    return frame[ordered + rest].reset_index(drop=True)


# ---------------------------------------------------------------------------------- notes


def notes(
    words: Words,
    settings: ReportSettings,
    parts: Sequence[str | tuple[str, dict]],
    *,
    df: int | None = None,
) -> tuple[str, str]:
    """Table notes in zh and en: case definition and recall window first, then ``parts``.

    Each part is a key of ``notes`` in words.yaml, or ``(key, fields)`` (fields may be given per
    language as ``{"zh": {...}, "en": {...}}``). The suppression and
    instability footnotes close every note.
    """
    texts: dict[str, list[str]] = {"zh": [], "en": []}
    # Every note may state the confidence level ({level}) and the proportion CI method ({ci}).
    stated = {
        lang: {
            "level": confidence_level_text(settings.confidence),
            "ci": words.text("ci_methods", settings.ci_method, lang),
        }
        for lang in ("zh", "en")
    }
    case = {lang: _case_text(words, settings, lang) for lang in ("zh", "en")}
    recall = {lang: recall_text(words, settings, lang) for lang in ("zh", "en")}
    for lang in ("zh", "en"):
        texts[lang].append(
            words.text("notes", "case_recall", lang, case=case[lang], recall=recall[lang])
        )
        if df is not None:
            texts[lang].append(words.text("notes", "design", lang, df=df))
        for part in parts:
            key, fields = (part, {}) if isinstance(part, str) else part
            if set(fields) == {"zh", "en"}:
                fields = fields[lang]
            texts[lang].append(words.text("notes", key, lang, **{**stated[lang], **fields}))
        texts[lang].append(words.text("notes", "suppressed", lang, k=settings.suppress_below))
        texts[lang].append(
            words.text(
                "notes",
                "unstable",
                lang,
                n=settings.unstable_min_n,
                rse=f"{settings.unstable_max_rse * 100:g}",
            )
        )
    return "".join(texts["zh"]), " ".join(texts["en"])


def _case_text(words: Words, settings: ReportSettings, lang: str) -> str:
    try:
        return words.codebook.text(f"case_definitions.{settings.case_definition}", lang)
    except (KeyError, AttributeError):
        return settings.case_definition


def recall_text(words: Words, settings: ReportSettings, lang: str) -> str:
    """The recall window in words: rolling days before interview, or the fixed dates."""
    recall = settings.recall
    if recall.get("mode", "rolling") == "fixed":
        return words.text(
            "notes",
            "recall_fixed",
            lang,
            start=recall.get("fixed_start", "?"),
            end=recall.get("fixed_end", "?"),
        )
    return words.text("notes", "recall_rolling", lang, days=recall.get("days", 365))


def confidence_level_text(confidence: float) -> str:
    """The confidence level as printed beside a CI: 0.95 → "95", 0.975 → "97.5"."""
    return f"{confidence * 100:g}"


def ci_method_fields(words: Words, settings: ReportSettings) -> dict[str, dict]:
    return {
        lang: {"method": words.text("ci_methods", settings.ci_method, lang)}
        for lang in ("zh", "en")
    }


def make_table(
    table_id: str,
    words: Words,
    data: pd.DataFrame,
    note: tuple[str, str],
    *,
    row_keys: Sequence[str],
    column_keys: Sequence[str] = ("indicator",),
    title_key: str | None = None,
    margins: Sequence[Sequence[str]] = (),
) -> Table:
    """A :class:`Table`; ``margins`` (groups of cells with a published total) get
    :func:`complementary_suppression`."""
    title_zh, title_en = words.both("titles", title_key or table_id)
    return Table(
        id=table_id,
        title_zh=title_zh,
        title_en=title_en,
        data=complementary_suppression(data, margins),
        notes_zh=note[0],
        notes_en=note[1],
        row_keys=tuple(row_keys),
        column_keys=tuple(column_keys),
    )


# ---------------------------------------------------------------------------------- exact CIs


def garwood_ci(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact Poisson CI of a count (Garwood 1936): ``χ²(α/2; 2d)/2``, ``χ²(1−α/2; 2d+2)/2``.

    The lower bound is 0 for a zero count; for 0 deaths the 95 % upper bound is 3.689.
    """
    alpha = 1 - confidence
    lower = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return lower, upper


def weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """Weighted median: the smallest value whose cumulative weight reaches half the total.

    The lower weighted median, as R ``svyquantile(..., 0.5, qrule="math")`` (Hyndman–Fan type 1
    on the weighted CDF). NaN without values.
    """
    keep = values.notna() & weights.notna()
    if not keep.any():
        return math.nan
    order = np.argsort(values[keep].to_numpy(dtype=float), kind="stable")
    sorted_values = values[keep].to_numpy(dtype=float)[order]
    cumulative = np.cumsum(weights[keep].to_numpy(dtype=float)[order])
    return float(sorted_values[np.searchsorted(cumulative, cumulative[-1] / 2)])
