"""The bad-input corpus: one defect per case, made by mutating a copy of the tiny test survey.

A case is a list of mutations (small functions applied to the copied survey folder) and the
outcome a user must get: ``fatal`` (the run stops with a message naming the file and column),
``set_aside`` (a row rejected with its rule), ``warning`` (an issue kept, the run goes on, and
a programme row named by ``table``/``row`` stays in the clean table),
``adjustment`` (recorded with :mod:`injury_survey.adjustments`) or ``ok`` (read correctly).
:func:`run_survey` runs a survey folder through the package functions notebooks 01, 03 and 04
call, in their order, and stops at the first error as the pipeline would.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from injury_survey import cleaning, forced_adjustments, weighting
from injury_survey.cleaning.programme import read_programme_tables, recode_adjustments
from injury_survey.codebook import survey_codebook
from injury_survey.config import load_config
from injury_survey.intake import IntakeError, load_survey, load_table

TINY = Path(__file__).resolve().parents[1] / "e2e" / "survey"
RAW = "data/raw"
HH, PERSONS, EPISODES, SAMPLE = (
    f"{RAW}/baseline/{t}.csv" for t in ("households", "persons", "episodes", "sample")
)
FRAME, CENSUS = f"{RAW}/frame/psus.csv", f"{RAW}/census/population.csv"
PILOT_HH = f"{RAW}/pilot/households.csv"
KNOWLEDGE, HOME = f"{RAW}/baseline/knowledge.csv", f"{RAW}/baseline/home_safety.csv"

Mutation = Callable[[Path], None]


# ----------------------------------------------------------------------------- file helpers


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]], *, delimiter: str = ",") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def data_rows(folder: Path, file: str) -> int:
    """Data rows of a CSV as the user sees them (non-blank lines after the header)."""
    return sum(1 for row in read_rows(folder / file)[1:] if any(cell.strip() for cell in row))


# ----------------------------------------------------------------------------- mutations


def set_cell(file: str, row: int, column: str, value: str) -> Mutation:
    """Spreadsheet row ``row`` (header = 1) gets ``value`` in ``column``."""

    def apply(folder: Path) -> None:
        rows = read_rows(folder / file)
        rows[row - 1][rows[0].index(column)] = value
        write_rows(folder / file, rows)

    return apply


def set_where(file: str, where: dict[str, str], column: str, value: str) -> Mutation:
    """Every row whose columns equal ``where`` gets ``value`` in ``column``."""

    def apply(folder: Path) -> None:
        rows = read_rows(folder / file)
        header = rows[0]
        for row in rows[1:]:
            if all(row[header.index(k)] == v for k, v in where.items()):
                row[header.index(column)] = value
        write_rows(folder / file, rows)

    return apply


def drop_where(file: str, column: str, predicate: Callable[[str], bool]) -> Mutation:
    def apply(folder: Path) -> None:
        rows = read_rows(folder / file)
        i = rows[0].index(column)
        write_rows(folder / file, [rows[0]] + [r for r in rows[1:] if not predicate(r[i])])

    return apply


def duplicate_row(file: str, row: int) -> Mutation:
    def apply(folder: Path) -> None:
        rows = read_rows(folder / file)
        write_rows(folder / file, [*rows, list(rows[row - 1])])

    return apply


def header_only(file: str) -> Mutation:
    return lambda folder: write_rows(folder / file, read_rows(folder / file)[:1])


def raw_bytes(file: str, data: bytes) -> Mutation:
    return lambda folder: (folder / file).write_bytes(data)


def drop_column(file: str, column: str) -> Mutation:
    def apply(folder: Path) -> None:
        rows = read_rows(folder / file)
        i = rows[0].index(column)
        write_rows(folder / file, [r[:i] + r[i + 1 :] for r in rows])

    return apply


def duplicate_column(file: str, column: str) -> Mutation:
    def apply(folder: Path) -> None:
        rows = read_rows(folder / file)
        i = rows[0].index(column)
        write_rows(folder / file, [[*r, r[i]] for r in rows])

    return apply


def delimiter(file: str, sep: str) -> Mutation:
    return lambda folder: write_rows(folder / file, read_rows(folder / file), delimiter=sep)


def encode(file: str, encoding: str, *, newline: str = "\n") -> Mutation:
    """Re-save the file in ``encoding`` (``utf-8-sig`` writes a BOM) with ``newline`` endings."""

    def apply(folder: Path) -> None:
        text = (folder / file).read_text(encoding="utf-8-sig")
        (folder / file).write_bytes(text.replace("\n", newline).encode(encoding))

    return apply


def xlsx_second_sheet(file: str, config_key: tuple[str, ...]) -> Mutation:
    """Move the table to the second sheet of an .xlsx (first sheet: a note) and point at it."""

    def apply(folder: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        book.active.title = "说明"
        book.active.append(["本表为入户调查户表"])
        data = book.create_sheet("households")
        for row in read_rows(folder / file):
            data.append(row)
        target = Path(file).with_suffix(".xlsx")
        book.save(folder / target)
        set_config(config_key, str(target))(folder)

    return apply


def set_config(keys: tuple[str, ...], value) -> Mutation:
    def apply(folder: Path) -> None:
        path = folder / "config.yaml"
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        node = config
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    return apply


def refuse_psu(psu: str) -> Mutation:
    """Every household of ``psu`` refused (result code 5): no roster, no episodes."""

    def apply(folder: Path) -> None:
        rows = read_rows(folder / HH)
        header = rows[0]
        refused = set()
        for row in rows[1:]:
            if row[header.index("psu_id")] == psu:
                refused.add(row[header.index("hh_id")])
                for column in header:
                    if column not in ("hh_id", "psu_id", "interviewer_id", "n_visits"):
                        row[header.index(column)] = ""
                row[header.index("result_code")] = "5"
        write_rows(folder / HH, rows)
        drop_where(PERSONS, "hh_id", lambda v: v in refused)(folder)
        drop_where(EPISODES, "person_id", lambda v: v.rsplit("-", 1)[0] in refused)(folder)

    return apply


def with_programme_tables(folder: Path) -> None:
    """Write the optional programme tables for the tiny survey (docs/input-tables-programme.md)
    and name them in the config: one knowledge row per person aged 15+ (spreadsheet rows in
    persons.csv order), one home-safety row per responding household with the anti-slip item
    answered 1 where a member is 65+ and 7 elsewhere, as the form's skip instruction says."""
    persons = read_rows(folder / PERSONS)
    head = persons[0]
    age, pid, hh = (head.index(c) for c in ("age_years", "person_id", "hh_id"))
    adults = [r for r in persons[1:] if int(r[age]) >= 15]
    knowledge = [["person_id", "aware_programme", "src_notice", "k_fire_call"]]
    knowledge += [
        [r[pid], "1", "1", "1"] if i % 2 else [r[pid], "2", "", "3"] for i, r in enumerate(adults)
    ]
    write_rows(folder / KNOWLEDGE, knowledge)
    elderly = {r[hh] for r in persons[1:] if int(r[age]) >= 65}
    households = read_rows(folder / HH)
    result = households[0].index("result_code")
    home = [["hh_id", "smoke_alarm", "antislip_grabbars"]]
    home += [
        [r[0], "1", "1" if r[0] in elderly else "7"]
        for r in households[1:]
        if r[result] in ("1", "2")
    ]
    write_rows(folder / HOME, home)
    set_config(("tables", "waves", "baseline", "knowledge"), KNOWLEDGE)(folder)
    set_config(("tables", "waves", "baseline", "home_safety"), HOME)(folder)


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One defect and the outcome a user must get.

    ``file``/``column`` must be named in a fatal message; ``rule`` is the rule id in the message,
    the rejected row's ``rule_ids``, the kept issue, or the adjustment kind; ``table``/``row``
    locate the rejected row (spreadsheet numbering). ``stage`` is ``wave`` or ``pilot``.
    """

    id: str
    mutations: tuple[Mutation, ...]
    expect: str
    file: str = ""
    column: str = ""
    rule: str = ""
    table: str = ""
    row: int = 0
    text: str = ""
    stage: str = "wave"


def make_survey(tmp_path: Path, case: Case) -> Path:
    folder = tmp_path / case.id
    shutil.copytree(TINY, folder)
    for mutate in case.mutations:
        mutate(folder)
    return folder


# ----------------------------------------------------------------------------- the runner


@dataclass
class Outcome:
    error: Exception | None = None
    clean: cleaning.CleanResult | None = None
    design_warnings: pd.DataFrame | None = None
    weights: weighting.WeightsResult | None = None
    adjustments: list = field(default_factory=list)


FATAL = (IntakeError, cleaning.DesignCheckError, weighting.WeightingError)


def run_survey(folder: Path, stage: str = "wave") -> Outcome:
    """Notebooks 03 and 04 (or 01 for ``stage="pilot"``) on ``folder``, up to the first error."""
    cfg = load_config(str(folder / "config.yaml"))
    codebook = survey_codebook(cfg, folder)
    outcome = Outcome()
    try:
        tables = cfg["tables"]["pilot" if stage == "pilot" else "waves"]
        raw = load_survey(
            tables if stage == "pilot" else tables["baseline"], codebook, survey_dir=folder
        )
        frame = load_table(cfg["tables"]["frame"], "frame", codebook, survey_dir=folder)
        warnings = pd.DataFrame(columns=raw.issues.columns)
        if stage != "pilot":
            design = cleaning.check_design_files(
                {"frame": frame.data, **raw.tables},
                strata=cfg["survey"]["strata"],
                intake_issues=pd.concat([raw.issues, frame.issues], ignore_index=True),
            )
            warnings = cleaning.raise_design_errors(design, stage="weights")
        outcome.design_warnings = warnings
        programme, programme_issues = read_programme_tables(
            tables if stage == "pilot" else tables["baseline"], codebook, survey_dir=folder
        )
        outcome.clean = cleaning.clean_survey(
            {**raw.tables, **programme, "frame": frame.data},
            codebook,
            recall=cfg["recall"],
            case_definition=cfg["case_definition"],
            age_groups=cfg["age_groups"],
            prior_issues=pd.concat([raw.issues, programme_issues, warnings], ignore_index=True),
            programme_min_age=cfg["programme"]["min_age"],
        )
        outcome.adjustments += forced_adjustments.rows_set_aside(
            outcome.clean, wave="baseline", stage="03"
        ) + recode_adjustments(outcome.clean, wave="baseline", stage="03")
        if stage == "pilot":
            return outcome
        census = load_table(cfg["tables"]["census"], "census", codebook, survey_dir=folder)
        cleaning.raise_design_errors(
            cleaning.check_design_files({"census": census.data}, intake_issues=census.issues),
            stage="weights",
        )
        clean = outcome.clean
        outcome.weights = weighting.compute_weights(
            clean.tables["households"],
            clean.tables["persons"],
            raw.tables["sample"],
            census.data,
            settings=cfg["weights"],
            age_groups=cfg["age_groups"],
            rejected_households=clean.rejected["households"],
        )
        outcome.adjustments += forced_adjustments.weighting_adjustments(
            outcome.weights, wave="baseline", stage="04", settings=cfg["weights"]
        )
    except FATAL as exc:
        outcome.error = exc
    return outcome
