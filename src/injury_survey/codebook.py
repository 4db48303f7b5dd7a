"""The versioned codebook: code lists, labels and the words reports print.

Chinese injury cards exist in several editions that number the same concept differently (the
national NISS card and its provincial variants), so the code lists are configuration, not code
(docs/methods.md §0.1). The package ships one edition in ``data/codebook.yaml`` (NISS 2006-based
lists, CCDRFS care ladder); a survey that printed other codes copies that file, edits it, and
names the copy in the config key ``codebook``. Every coded column of the input tables must hold a
code of its list (docs/methods.md §4.2); don't-know and refused codes stay a category of their own
in compositions (§4.6).

Usage::

    cb = load_codebook()                     # the package's default edition
    cb.label("cause", 3, "zh")               # '跌倒/坠落'
    codes, invalid = cb.parse("sex", raw)    # raw strings: "1", "1.0", "男" or "Male"
    cb.text("injury_incidence", "en")        # 'injury incidence'
"""

from __future__ import annotations

import copy
import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from injury_survey.yaml_files import parse_yaml

DEFAULT_CODEBOOK = Path(__file__).parent / "data" / "codebook.yaml"
LANGUAGES = ("zh", "en")

_INTEGER_TEXT = re.compile(r"[+-]?\d+(?:\.0*)?")


class CodebookError(ValueError):
    """The codebook file is missing, unreadable or malformed; the message says where and what."""


class UnknownName(KeyError):
    """A name the codebook does not have. Its "Did you mean …?" hint is worked out only when the
    message is shown: report code asks for words it may not find (and falls back) thousands of
    times per table, and a fuzzy search on every miss cost more than building the tables."""

    def __init__(self, message: str, name: str, known: list[str]):
        super().__init__(message)
        self.message, self.name, self.known = message, name, known

    def __str__(self) -> str:
        close = difflib.get_close_matches(self.name, self.known, n=1)
        return self.message + (f" Did you mean {close[0]!r}?" if close else "")


def normalize_text(value: str) -> str:
    """Fold a label for matching: Unicode NFKC (full-width → half-width), trimmed, case-folded.

    Chinese data entry mixes full-width and half-width characters (``（`` vs ``(``, ``１`` vs
    ``1``); NFKC makes them compare equal without changing the Chinese characters themselves.
    """
    return unicodedata.normalize("NFKC", value).strip().casefold()


@dataclass(frozen=True)
class Variable:
    """One coded variable: its labels, codes and the codes with a special meaning."""

    name: str
    label_zh: str
    label_en: str
    codes: dict[int, dict[str, Any]]
    dont_know: tuple[int, ...] = ()
    refused: tuple[int, ...] = ()
    other: int | None = None
    groups: dict[str, tuple[int, ...]] | None = None
    aliases: tuple[str, ...] = ()
    module: str | None = None
    question: str | None = None
    source: str | None = None


class Codebook:
    """A loaded, validated codebook (build it with :func:`load_codebook`).

    Variables are looked up by their codebook name or by an alias that names a column using the
    same list (``nature_1`` and ``nature_2`` both use ``nature``).
    """

    def __init__(self, raw: dict, path: Path):
        self.path = path
        self._raw = raw
        self.version = str(raw["version"])
        self.edition = str(raw["edition"])
        self.source = str(raw["source"])
        self._variables: dict[str, Variable] = {}
        self._names: dict[str, str] = {}
        self._place_names: dict[str, dict[str, dict[str, str]]] = {}
        for name, spec in raw["variables"].items():
            variable = Variable(
                name=name,
                label_zh=spec["label_zh"],
                label_en=spec["label_en"],
                codes={int(code): entry for code, entry in spec["codes"].items()},
                dont_know=tuple(spec.get("dont_know") or ()),
                refused=tuple(spec.get("refused") or ()),
                other=spec.get("other"),
                groups={k: tuple(v) for k, v in (spec.get("groups") or {}).items()},
                aliases=tuple(spec.get("aliases") or ()),
                module=spec.get("module"),
                question=spec.get("question"),
                source=spec.get("source"),
            )
            self._variables[name] = variable
            self._names[name] = name
            for alias in variable.aliases:
                self._names[alias] = name
        self._labels: dict[str, dict[str, dict[str, str]]] = raw.get("labels") or {}
        self._lookup = {name: _label_lookup(var) for name, var in self._variables.items()}

    def __repr__(self) -> str:
        return (
            f"Codebook(version={self.version!r}, edition={self.edition!r}, "
            f"{len(self._variables)} variables, path={str(self.path)!r})"
        )

    def section(self, name: str) -> Any:
        """A top-level block of the codebook file beside the code lists (e.g. ``programme``), as
        written in the file; None when the file has no such block. A copy: callers may edit it."""
        return copy.deepcopy(self._raw.get(name))

    @property
    def variables(self) -> list[str]:
        """Names of the coded variables, in file order."""
        return list(self._variables)

    def variable(self, variable: str) -> Variable:
        """The :class:`Variable` for a codebook name or alias; KeyError with a suggestion if unknown."""
        name = self._names.get(variable)
        if name is None:
            raise UnknownName(
                f"{variable!r} is not a variable of codebook {self.version} ({self.path}).",
                variable,
                list(self._names),
            )
        return self._variables[name]

    def codes(self, variable: str) -> list[int]:
        """The valid codes of ``variable``, ascending."""
        return sorted(self.variable(variable).codes)

    def label(self, variable: str, code: int, lang: str = "zh") -> str:
        """The label of one code in ``lang`` ("zh" or "en"); KeyError if the code is not listed.

        Survey-specific identifiers named in the config (communities: ``stratum_id``) are
        labelled with those names (:meth:`with_place_names`).
        """
        names = self._place_names.get(variable, {})
        if str(code) in names:
            return names[str(code)][_check_lang(lang)]
        var = self.variable(variable)
        try:
            entry = var.codes[int(code)]
        except (KeyError, TypeError, ValueError):
            raise KeyError(
                f"{code!r} is not a code of {var.name!r} in codebook {self.version}; "
                f"valid codes: {sorted(var.codes)}"
            ) from None
        return entry[f"label_{_check_lang(lang)}"]

    def with_place_names(self, variable: str, names: dict[str, dict[str, str]]) -> Codebook:
        """A copy whose :meth:`label` names the survey's own identifiers, e.g. communities:
        ``with_place_names("stratum_id", {"S1": {"zh": "东城社区", "en": "Dongcheng"}})``."""
        copy = object.__new__(Codebook)
        copy.__dict__.update(self.__dict__)
        copy._place_names = {**self._place_names, variable: dict(names)}
        return copy

    def has_labels(self, variable: str) -> bool:
        """True when :meth:`label` can name the values of ``variable`` (codes or place names)."""
        return variable in self._place_names or variable in self._names

    def labels(self, variable: str, lang: str = "zh") -> dict[int, str]:
        """``{code: label}`` of ``variable``, ready for ``Series.map``."""
        var = self.variable(variable)
        key = f"label_{_check_lang(lang)}"
        return {code: var.codes[code][key] for code in sorted(var.codes)}

    def variable_label(self, variable: str, lang: str = "zh") -> str:
        """The variable's own name in reports, e.g. ``cause`` → 伤害发生原因."""
        return getattr(self.variable(variable), f"label_{_check_lang(lang)}")

    def is_missing_code(self, variable: str, code: int) -> bool:
        """True if ``code`` means don't know or refused for ``variable`` (docs/methods.md §4.6).

        These codes are valid answers: they stay in compositions as their own category
        ("不清楚") and are left out of denominators only where a table says so.
        """
        var = self.variable(variable)
        if code is None or pd.isna(code):
            return False
        return int(code) in var.dont_know or int(code) in var.refused

    def missing_codes(self, variable: str) -> list[int]:
        """The don't-know and refused codes of ``variable``."""
        var = self.variable(variable)
        return sorted(set(var.dont_know) | set(var.refused))

    def other_code(self, variable: str) -> int | None:
        """The "other (specify)" code of ``variable``, or None if the list has none."""
        return self.variable(variable).other

    def group(self, variable: str, group: str) -> list[int]:
        """A named set of codes, e.g. ``group("cause", "traffic")`` → [1, 2].

        Groups keep edition-specific code numbers used by rules (skip logic, response rates)
        in the codebook rather than in code.
        """
        var = self.variable(variable)
        groups = var.groups or {}
        if group not in groups:
            raise KeyError(
                f"codebook {self.version} defines no group {group!r} for {var.name!r}; "
                f"groups: {sorted(groups)}"
            )
        return list(groups[group])

    def text(self, key: str, lang: str = "zh") -> str:
        """A word of the ``labels:`` section (indicator, case definition, column name …).

        ``key`` is a key of any group (``"injury_incidence"``) or ``"group.key"`` when the same
        key appears in two groups (``"columns.households"`` vs ``"tables.households"``). A coded
        variable's name falls back to its :meth:`variable_label`.
        """
        lang = _check_lang(lang)
        if "." in key:
            group, _, item = key.partition(".")
            entry = self._labels.get(group, {}).get(item)
            if entry is not None:
                return entry[lang]
        hits = [(group, entries[key]) for group, entries in self._labels.items() if key in entries]
        if len(hits) == 1:
            return hits[0][1][lang]
        if len(hits) > 1:
            groups = ", ".join(f"'{g}.{key}'" for g, _ in hits)
            raise KeyError(f"label {key!r} is in several groups; ask for one of {groups}")
        if key in self._names:
            return self.variable_label(key, lang)
        known = [k for entries in self._labels.values() for k in entries] + list(self._names)
        raise UnknownName(f"no label {key!r} in codebook {self.version} ({self.path}).", key, known)

    def to_frame(self) -> pd.DataFrame:
        """The code lists as one long table (variable, code, label_zh, label_en, special), e.g.
        for a report appendix."""
        rows = []
        for var in self._variables.values():
            for code in sorted(var.codes):
                special = (
                    "dont_know"
                    if code in var.dont_know
                    else "refused"
                    if code in var.refused
                    else "other"
                    if code == var.other
                    else ""
                )
                rows.append(
                    {
                        "variable": var.name,
                        "code": code,
                        "label_zh": var.codes[code]["label_zh"],
                        "label_en": var.codes[code]["label_en"],
                        "special": special,
                    }
                )
        out = pd.DataFrame(rows)
        out["code"] = out["code"].astype("Int64")
        return out

    def parse(self, variable: str, values: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Read a column of codes as typed by data entry.

        Accepted for each cell: the integer code (``3``, ``3.0``), a numeric string (``"3"``,
        ``"3.0"``, ``" 3 "``, full-width ``"３"``), or the label exactly as in the codebook in
        Chinese, or in English ignoring case (also a code's listed ``aliases``). Empty cells
        stay missing.

        Returns
        -------
        codes : pandas.Series of Int64
            The code, or <NA> where the cell was empty or invalid.
        invalid : pandas.Series of bool
            True where the cell was non-empty but is not a code or label of the list (intake
            reports these as rule V2).
        """
        lookup = self._lookup[self.variable(variable).name]
        # Each distinct value is read once; rows take their code by position (missing: -1, the
        # final <NA>), so a million cells cost a few hundred label look-ups.
        rows, distinct = pd.factorize(values)
        parsed = pd.array([*(_parse_one(v, lookup) for v in distinct), None], dtype="Int64")
        codes = pd.Series(parsed.take(rows), index=values.index, name=values.name)
        present = values.notna() & (values.astype("str").str.strip() != "")
        invalid = (present & codes.isna()).astype(bool)
        return codes, invalid


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    return lang


def _label_lookup(var: Variable) -> dict[str, int]:
    """Normalized code, label and alias spellings → code."""
    lookup: dict[str, int] = {}
    for code, entry in var.codes.items():
        for spelling in (entry["label_zh"], entry["label_en"], *(entry.get("aliases") or ())):
            lookup[normalize_text(str(spelling))] = code
    return lookup


def _parse_one(value: Any, lookup: dict[str, int]) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if value != value or int(value) != value:
            return None
        number = int(value)
        return number if number in lookup.values() else None
    text = normalize_text(str(value))
    if not text:
        return None
    if _INTEGER_TEXT.fullmatch(text):
        number = int(float(text))
        return number if number in lookup.values() else None
    return lookup.get(text)


def survey_codebook(config: dict, survey_dir: str | Path = ".") -> Codebook:
    """The codebook a survey's config names (``codebook``: "default" or a path relative to the
    survey folder), with the community names of ``survey.strata`` as stratum labels."""
    name = config["codebook"]
    codebook = load_codebook(None if name == "default" else Path(survey_dir) / name)
    strata = config["survey"].get("strata") or {}
    return codebook.with_place_names("stratum_id", strata) if strata else codebook


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a codebook YAML file.

    Parameters
    ----------
    path
        ``None`` or ``"default"`` for the package's edition (``data/codebook.yaml``), otherwise
        the path of a survey's own codebook (relative paths are relative to the working
        directory, i.e. the survey folder under Snakemake).

    Raises
    ------
    CodebookError
        The file is missing or not YAML, or its structure is wrong; the message lists every
        problem with the variable and code it concerns.
    """
    file = DEFAULT_CODEBOOK if path is None or str(path) == "default" else Path(path)
    try:
        raw = parse_yaml(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CodebookError(
            f"Codebook file {file} not found. Set the config key 'codebook' to 'default' or to "
            "the path of your codebook YAML (relative to the survey folder)."
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CodebookError(
            f"Codebook file {file} is not readable YAML (save it as UTF-8): {exc}"
        ) from None
    problems = _structure_problems(raw)
    if problems:
        raise CodebookError(
            f"Codebook file {file} is malformed:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nCompare it with the package's default codebook "
            f"({DEFAULT_CODEBOOK}) and fix these entries."
        )
    return Codebook(raw, file)


def _structure_problems(raw: Any) -> list[str]:
    """Every structural problem of a loaded codebook, as readable lines (empty if valid)."""
    if not isinstance(raw, dict):
        return ["the file must be a mapping with keys version, edition, source, variables"]
    problems = [
        f"missing top-level key {key!r}"
        for key in ("version", "edition", "source", "variables")
        if key not in raw
    ]
    variables = raw.get("variables")
    if not isinstance(variables, dict) or not variables:
        return [*problems, "'variables' must map each variable name to its definition"]
    names: dict[str, str] = {}
    for name, spec in variables.items():
        where = f"variables.{name}"
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        for key in ("label_zh", "label_en", "codes"):
            if key not in spec:
                problems.append(f"{where}: missing {key!r}")
        for alias in [name, *(spec.get("aliases") or [])]:
            if alias in names:
                problems.append(f"{where}: name or alias {alias!r} also used by {names[alias]!r}")
            names[alias] = name
        codes = spec.get("codes")
        if not isinstance(codes, dict) or not codes:
            problems.append(f"{where}.codes: must map integer codes to labels")
            continue
        spellings: dict[str, Any] = {}
        for code, entry in codes.items():
            if not isinstance(code, int) or isinstance(code, bool):
                problems.append(f"{where}.codes: code {code!r} is not an integer")
                continue
            if not isinstance(entry, dict) or not {"label_zh", "label_en"} <= entry.keys():
                problems.append(f"{where}.codes.{code}: needs label_zh and label_en")
                continue
            for spelling in (entry["label_zh"], entry["label_en"], *(entry.get("aliases") or [])):
                key = normalize_text(str(spelling))
                if _INTEGER_TEXT.fullmatch(key):
                    problems.append(
                        f"{where}.codes.{code}: label {spelling!r} is a number and would be "
                        "read as a code"
                    )
                if key in spellings and spellings[key] != code:
                    problems.append(
                        f"{where}.codes: label {spelling!r} is used by codes "
                        f"{spellings[key]} and {code}"
                    )
                spellings[key] = code
        valid = {c for c in codes if isinstance(c, int)}
        for key in ("dont_know", "refused"):
            listed = spec.get(key) or []
            if not isinstance(listed, list):
                problems.append(f"{where}.{key}: must be a list of codes")
                continue
            problems += [
                f"{where}.{key}: {c!r} is not one of its codes" for c in listed if c not in valid
            ]
        other = spec.get("other")
        if other is not None and other not in valid:
            problems.append(f"{where}.other: {other!r} is not one of its codes")
        for group, listed in (spec.get("groups") or {}).items():
            problems += [
                f"{where}.groups.{group}: {c!r} is not one of its codes"
                for c in listed
                if c not in valid
            ]
    labels = raw.get("labels") or {}
    if not isinstance(labels, dict):
        problems.append("'labels' must map groups to {key: {zh, en}}")
    else:
        for group, entries in labels.items():
            if not isinstance(entries, dict):
                problems.append(f"labels.{group}: must map keys to {{zh, en}}")
                continue
            for key, entry in entries.items():
                if not isinstance(entry, dict) or not set(LANGUAGES) <= entry.keys():
                    problems.append(f"labels.{group}.{key}: needs both zh and en")
    return problems
