"""Shared vocabulary of the report tables: settings, the table object, words, flags, notes.

The designs the tables are estimated on are in :mod:`.designs` (:class:`ReportData`), the shared
estimators in :mod:`.estimators`; their names can still be imported from here.

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

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from injury_survey.package_words import package_words

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
        self._words: dict[str, dict[str, dict[str, str]]] = package_words(
            "report_tables/words.yaml"
        )

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


# Names that moved to .designs and .estimators, still importable from this module (resolved on
# first use: those modules import this one).
_MOVED = {
    "PERSON_COLUMNS": "designs",
    "EPISODE_DESIGN_COLUMNS": "designs",
    "ReportData": "designs",
    "composition": "estimators",
    "person_rates": "estimators",
    "person_proportion": "estimators",
    "garwood_ci": "estimators",
    "weighted_median": "estimators",
}


def __getattr__(name: str):
    if name in _MOVED:
        module = importlib.import_module(f"injury_survey.report_tables.{_MOVED[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
