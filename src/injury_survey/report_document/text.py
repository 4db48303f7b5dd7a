"""The document's words (``words.yaml``), its languages and the number formats of its prose.

A text the document shows is a :class:`Bilingual` ``{"zh": …, "en": …}``; the template prints
the languages of ``report.language`` (zh, en, or both side by side). Numbers are formatted here,
once, so the prose, the headline table and the tests agree on "4.4" for 0.044131.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from injury_survey.package_words import package_words

Bilingual = dict[str, str]

LANGUAGE_SETTINGS = {"zh": ("zh",), "en": ("en",), "both": ("zh", "en")}


def report_languages(setting: str) -> tuple[str, ...]:
    """The languages a ``report.language`` setting prints, Chinese first."""
    try:
        return LANGUAGE_SETTINGS[setting]
    except KeyError:
        raise ValueError(
            f"report.language is {setting!r}; use one of {sorted(LANGUAGE_SETTINGS)} "
            "(config/config.yaml)."
        ) from None


class DocumentWords:
    """The headings, labels and sentences of ``report_document/words.yaml``."""

    def __init__(self) -> None:
        self._words: dict[str, Any] = package_words("report_document/words.yaml")

    def both(self, key: str, **fields: object) -> Bilingual:
        """The entry ``key`` ("headings.methods", "labels.weight_steps.base" …), filled in."""
        entry: Any = self._words
        for part in _split_key(key):
            try:
                entry = entry[part]
            except (KeyError, TypeError):
                raise KeyError(
                    f"No document word {key!r}: add it (zh and en) to "
                    "src/injury_survey/report_document/words.yaml."
                ) from None
        # Escaped words, so a field may be a marked quantity (:func:`quantity`).
        return {lang: Markup.escape(entry[lang]).format(**fields) for lang in ("zh", "en")}

    def has(self, key: str) -> bool:
        try:
            self.both(key)
        except (KeyError, IndexError):
            return False
        return True


def _split_key(key: str) -> list[str]:
    """ "labels.weight_steps.non-response adjusted" → three parts (a key may hold spaces)."""
    group, _, rest = key.partition(".")
    if group in ("labels",) and "." in rest:
        sub, _, item = rest.partition(".")
        return [group, sub, item]
    return [group, rest] if rest else [group]


def quantity(key: str, text: str) -> Markup:
    """A number as printed, marked with the quantity it is (``"T1:households_responded"``):
    the report's audit checks that one quantity reads the same wherever it is repeated."""
    return Markup('<span class="q" data-q="{}">{}</span>').format(key, text)


def bilingual(zh: str, en: str) -> Bilingual:
    return {"zh": zh, "en": en}


def per_language(build: Any) -> Bilingual:
    """``{"zh": build("zh"), "en": build("en")}``."""
    return {lang: build(lang) for lang in ("zh", "en")}


def join_sentences(parts: list[Bilingual]) -> Bilingual:
    """Sentences run together: no space in Chinese, one in English."""
    return {
        "zh": "".join(p["zh"] for p in parts if p["zh"]),
        "en": " ".join(p["en"] for p in parts if p["en"]),
    }


def sentence_case(text: str) -> str:
    """The codebook's English labels are lower case ("injury incidence"); a label starts upper."""
    return text[:1].upper() + text[1:] if text else text


# ---------------------------------------------------------------------------------- numbers


def is_number(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 1) -> str:
    """``1234.56`` → ``"1,234.6"``; missing → "—"."""
    if not is_number(value):
        return "—"
    return f"{float(value):,.{decimals}f}"


def percent(value: Any, decimals: int = 1) -> str:
    """A fraction as per cent without the sign: ``0.044131`` → ``"4.4"``."""
    if not is_number(value):
        return "—"
    return f"{float(value) * 100:,.{decimals}f}"


def count(value: Any) -> str:
    """A count with thousands separators: ``5696`` → ``"5,696"``."""
    if not is_number(value):
        return "—"
    return f"{round(float(value)):,d}"


def plain(value: Any) -> str:
    """A setting as written: ``1.5`` → ``"1.5"``, ``20`` → ``"20"``, None → "—"."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


LIST_SEPARATOR = {"zh": "、", "en": ", "}


def age_groups_label(bounds: list[int] | tuple[int, ...], lang: str = "en") -> str:
    """``[0, 15, 45, 65]`` → ``"0–14, 15–44, 45–64, 65+"`` (``"0–14、15–44…"`` in Chinese)."""
    parts = [f"{low}–{high - 1}" for low, high in zip(bounds, bounds[1:], strict=False)]
    return LIST_SEPARATOR[lang].join([*parts, f"{bounds[-1]}+"])


def recall_text(recall: Mapping[str, Any], words: DocumentWords) -> Bilingual:
    if recall.get("mode") == "fixed":
        return words.both(
            "sentences.recall_fixed", start=recall.get("fixed_start"), end=recall.get("fixed_end")
        )
    return words.both("sentences.recall_rolling", days=recall.get("days", 365))


# ---------------------------------------------------------------------------- punctuation

_CJK = "\u4e00-\u9fff"
# Half-width :;,() touching a Chinese character: in Chinese text they are written full width
# (：；，（）). Parentheses of a formula such as 1/(π₁·π₂) touch no Chinese character and pass.
_HALF_WIDTH_IN_CHINESE = re.compile(
    rf"[{_CJK}][:;,()]|[:;,()][{_CJK}]|\((?=[^()]*[{_CJK}][^()]*\))|(?<=[{_CJK}%])\)"
)
# In a text that is all Chinese, a bracket opening after a space or a Chinese character is a
# Chinese bracket too ("表33 (T21)", "发生率 (%)"), unless it holds only numbers: a confidence
# interval "4.4 (3.7–5.2)" or a year "Lumley (2010)".
_HALF_WIDTH_OPENING = re.compile(rf"(?<![^\s{_CJK}，。：；、])\((?![0-9.,\s–-]*\))")


def half_width_punctuation(text: str, *, all_chinese: bool = False) -> list[str]:
    """Places where Chinese text uses half-width ``:;,()`` (each with a little context).
    ``all_chinese``: the text is in Chinese throughout (a Chinese document, a ``zh`` word), so
    a half-width bracket after a space is one too; in mixed text only marks touching a Chinese
    character are."""
    found = {m.start(): m for m in _HALF_WIDTH_IN_CHINESE.finditer(text)}
    if all_chinese:
        found |= {m.start(): m for m in _HALF_WIDTH_OPENING.finditer(text)}
    return [text[max(0, m.start() - 12) : m.end() + 12] for _, m in sorted(found.items())]


# In text that mixes the languages (a notebook's narrative, a bilingual message) an English
# sentence may gloss a term in brackets, "injury incidence (伤害发生率)": only the marks that
# touch a Chinese character on their Chinese side are Chinese punctuation there.
_HALF_WIDTH_TOUCHING_CHINESE = re.compile(rf"[{_CJK}][:;,(]|[:;,)][{_CJK}]")


def half_width_in_mixed_text(text: str) -> list[str]:
    """Places where a text that mixes Chinese and English writes ``:;,()`` half width right
    beside a Chinese character ("预调查:数据清理", "估计(不代表总体)")."""
    return [
        text[max(0, m.start() - 12) : m.end() + 12]
        for m in _HALF_WIDTH_TOUCHING_CHINESE.finditer(text)
    ]
