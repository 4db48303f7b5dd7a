"""The house style of every figure: font, sizes, palette, texts in two languages, saving.

Everything a reader sees the same way across figures is decided here, once:

* **Font.** Noto Sans SC (SIL OFL 1.1, from the PyPI wheel ``pylopdf-fonts-zh-cn``; see
  ``THIRD_PARTY.md``) for *both* languages, so the Chinese and English editions of a figure look
  alike. It is registered with matplotlib's font manager when this module is imported: no
  download, no system font, no font-cache rebuild. Matplotlib's default DejaVu Sans has no Chinese
  glyphs and draws boxes, with one ``Glyph … missing`` warning per character (tooling-notes, "CJK
  fonts for matplotlib").
* **Sizes.** Figures are drawn at their printed size (16 cm full width, 8 cm half width) with a
  9 pt base font, so a figure printed at 16 cm needs no rescaling and no label falls below 7.5 pt.
* **Colour.** The Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), distinguishable
  with the common colour-vision deficiencies; male and female always get the same two colours.
* **Texts.** Every title, axis label and legend entry a figure needs and the codebook does not
  hold is in :data:`FIGURE_TEXTS`, Chinese and English side by side.
* **Saving.** :func:`save_figure` writes a 300 dpi PNG, an SVG with text as paths (portable: the
  reader needs no font) and a caption file, byte-identical on reruns.

The style is applied with :func:`house_style` (a ``matplotlib.rc_context``) around the building of
each figure, so importing the package never changes a notebook's global settings, and nothing here
needs a display (figures are ``matplotlib.figure.Figure`` objects, not pyplot windows).
"""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ParamSpec, Protocol, TypeVar

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

LANGUAGES = ("zh", "en")

FONT_FAMILY = "Noto Sans SC"

# Okabe & Ito (2008), in their published order.
OKABE_ITO = MappingProxyType(
    {
        "black": "#000000",
        "orange": "#E69F00",
        "sky_blue": "#56B4E9",
        "bluish_green": "#009E73",
        "yellow": "#F0E442",
        "blue": "#0072B2",
        "vermillion": "#D55E00",
        "reddish_purple": "#CC79A7",
    }
)
# sex codes of the data contract: 1 male, 2 female
SEX_COLOURS = MappingProxyType({1: OKABE_ITO["blue"], 2: OKABE_ITO["vermillion"]})
WAVE_COLOURS = MappingProxyType(
    {"baseline": "#666666", "followup": OKABE_ITO["blue"], "difference": OKABE_ITO["black"]}
)
BAR_COLOUR = OKABE_ITO["blue"]
REFERENCE_COLOUR = "#555555"
LIGHT_GREY = "#BBBBBB"
SEQUENTIAL_CMAP = "Blues"

CM_PER_INCH = 2.54
FULL_WIDTH_CM = 16.0
HALF_WIDTH_CM = 8.0
BASE_FONT_PT = 9.0
SMALL_FONT_PT = 8.0
NOTE_FONT_PT = 7.5
PNG_DPI = 300

# Confidence-interval whiskers: thin, short caps, drawn in the colour of their point.
CI_STYLE = MappingProxyType({"elinewidth": 0.8, "capsize": 2.0, "capthick": 0.8})

# Values of the estimates table's ``flag`` column that figures react to (estimates contract:
# indicator, by, level, estimate, se, ci_lower, ci_upper, deff, df, n, flag, method). A flag may
# hold several words ("unstable;suppressed"); any non-empty flag that is not "suppressed" is drawn
# as unstable (open symbol); a suppressed cell is drawn as "—" without its value.
FLAG_UNSTABLE = "unstable"
FLAG_SUPPRESSED = "suppressed"
SUPPRESSED_MARK = "—"

# Line width (in characters) at which category labels wrap. A Chinese character is about twice as
# wide as a Latin letter, hence the smaller number.
WRAP_WIDTH = MappingProxyType({"zh": 12, "en": 20})
# Chinese line-breaking rule (避头尾): these never start a line.
_NO_LINE_START = "）)】」』〉》，,。.、；;：:！!？?%％…"
# Preferred break points in a Chinese label: after these.
_BREAK_AFTER = "、，,/；; "


def font_path() -> Path:
    """Path of Noto Sans SC inside the installed ``pylopdf-fonts-zh-cn`` wheel."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as err:  # pragma: no cover - the wheel is a pinned requirement
        raise ImportError(
            "The Chinese font package is not installed, so figures cannot show Chinese text. "
            "Install the pinned requirements (pip install -r requirements.txt), which include "
            "pylopdf-fonts-zh-cn==0.1.1 (Noto Sans SC, SIL Open Font License 1.1)."
        ) from err
    return Path(pylopdf_fonts_zh_cn.sans_path())


def register_font() -> Path:
    """Register Noto Sans SC with matplotlib's font manager (idempotent); return its path.

    ``fontManager.addfont`` makes the family findable by name at once, without rebuilding the font
    cache (tooling-notes, "CJK fonts for matplotlib").
    """
    path = font_path()
    if not path.is_file():  # pragma: no cover - a broken installation
        raise FileNotFoundError(
            f"Noto Sans SC was not found at {path}. Reinstall the font package: "
            "pip install --force-reinstall pylopdf-fonts-zh-cn==0.1.1"
        )
    known = {Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    if path not in known:
        font_manager.fontManager.addfont(str(path))
    return path


register_font()

# The rc settings of the house style; applied per figure by house_style().
HOUSE_RC = MappingProxyType(
    {
        "font.family": [FONT_FAMILY],
        "font.size": BASE_FONT_PT,
        "axes.titlesize": BASE_FONT_PT,
        "axes.titlelocation": "left",
        "axes.labelsize": BASE_FONT_PT,
        "figure.titlesize": BASE_FONT_PT + 1,
        "xtick.labelsize": SMALL_FONT_PT,
        "ytick.labelsize": SMALL_FONT_PT,
        "legend.fontsize": SMALL_FONT_PT,
        "legend.title_fontsize": SMALL_FONT_PT,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "axes.edgecolor": "#333333",
        "axes.grid": False,
        "grid.color": "#E5E5E5",
        "grid.linewidth": 0.5,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 3.0,
        "ytick.major.size": 3.0,
        "lines.linewidth": 1.2,
        "lines.markersize": 4.5,
        "patch.linewidth": 0.0,
        "axes.prop_cycle": matplotlib.cycler(
            color=[OKABE_ITO[name] for name in ("blue", "vermillion", "bluish_green", "orange")]
            + [OKABE_ITO[name] for name in ("sky_blue", "reddish_purple", "yellow", "black")]
        ),
        "axes.unicode_minus": True,
        # A "$" in a label (e.g. "US$") must be shown, not parsed as mathtext in another font.
        "text.parse_math": False,
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "savefig.dpi": PNG_DPI,
        "savefig.facecolor": "white",
        "figure.constrained_layout.use": True,
        # a little more margin than the default 3 pt, so nothing touches the paper edge
        "figure.constrained_layout.h_pad": 6 / 72,
        "figure.constrained_layout.w_pad": 6 / 72,
        # Text as outlines: the SVG looks the same on a machine without Noto Sans SC.
        "svg.fonttype": "path",
        # Fixed salt: SVG element ids are the same on every run, so reruns give identical files.
        "svg.hashsalt": "injury-survey",
        # TrueType/CFF embedding keeps PDF text selectable and searchable.
        "pdf.fonttype": 42,
    }
)

P = ParamSpec("P")
R = TypeVar("R")


def house_style() -> Any:
    """Context manager that applies the house style (``matplotlib.rc_context(HOUSE_RC)``)."""
    return matplotlib.rc_context(dict(HOUSE_RC))


def use_house_style() -> None:
    """Apply the house style globally (for a notebook's own ad-hoc plots)."""
    matplotlib.rcParams.update(dict(HOUSE_RC))


def styled(build: Callable[P, Figure]) -> Callable[P, Figure]:
    """Decorator: build the figure inside the house style.

    Matplotlib reads the font, sizes and colours when each artist is created (new tick labels
    copy the first tick's), so a figure built inside the style keeps it when a notebook later
    displays it under its own settings.
    """

    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with house_style():
            return build(*args, **kwargs)

    return wrapper


def cm_to_inches(width_cm: float, height_cm: float) -> tuple[float, float]:
    return width_cm / CM_PER_INCH, height_cm / CM_PER_INCH


def new_figure(width_cm: float = FULL_WIDTH_CM, height_cm: float = 9.0) -> Figure:
    """An empty figure of the given printed size with constrained layout (no pyplot, no display)."""
    return Figure(figsize=cm_to_inches(width_cm, height_cm), layout="constrained")


class Labels(Protocol):
    """What figures need from the codebook (``injury_survey.codebook.load_codebook()``)."""

    def text(self, key: str, lang: str) -> str:
        """A named text (e.g. an indicator's name) in ``lang``."""
        ...

    def label(self, variable: str, code: int, lang: str) -> str:
        """The label of ``code`` of a coded ``variable`` (e.g. cause 3 → "跌倒/坠落" / "fall")."""
        ...


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f'Figure language must be "zh" or "en", got {lang!r}.')
    return lang


def figure_languages(setting: str) -> list[str]:
    """Languages to draw for config ``report.language``: "zh", "en" or "both" (→ ["zh", "en"])."""
    if setting == "both":
        return list(LANGUAGES)
    if setting in LANGUAGES:
        return [setting]
    raise ValueError(
        f'report.language must be "zh", "en" or "both", got {setting!r}; fix it in config.yaml.'
    )


def _texts(entries: dict[str, tuple[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType(
        {key: MappingProxyType({"zh": zh, "en": en}) for key, (zh, en) in entries.items()}
    )


# Every text a figure draws that is not a code label from the codebook: (zh, en) side by side.
FIGURE_TEXTS = _texts(
    {
        # shared axis and legend texts
        "axis.age_group": ("年龄组（岁）", "Age group (years)"),
        "axis.incidence_percent": ("伤害发生率（%）", "Injury incidence (%)"),
        "axis.percent_of_episodes": ("构成比（%）", "% of injury episodes"),
        "axis.population_share": ("占总人口比例（%）", "Share of population (%)"),
        "axis.cause": ("伤害原因", "Cause of injury"),
        "axis.place": ("发生地点", "Place of occurrence"),
        "axis.percent": ("百分比（%）", "Percentage (%)"),
        "axis.per_100": ("每百人", "Per 100 persons"),
        "axis.per_1000": ("每千人", "Per 1000 persons"),
        "axis.per_1000_py": ("每千人年", "Per 1000 person-years"),
        "legend.sex": ("性别", "Sex"),
        "note.unstable": ("空心符号：估计值不稳定", "Open symbols: unstable estimate"),
        "note.unstable_bar": ("灰色条：估计值不稳定", "Grey bars: unstable estimate"),
        # the words of the report tables' "—" note (report_tables/words.yaml notes.suppressed)
        "note.suppressed": (
            "—：未加权例数过少，或为防反推而一并隐藏，不予发布",
            "—: suppressed: too few unweighted cases, or hidden with such a cell so that it "
            "cannot be recovered",
        ),
        "note.suppressed_below": (
            "—：未加权例数少于{k}，或为防反推而一并隐藏，不予发布",
            "—: suppressed: fewer than {k} unweighted cases, or hidden with such a cell so that "
            "it cannot be recovered",
        ),
        "age_years": ("{age}岁", "{age} years"),
        # F1 participant flow
        "f1.title": ("调查对象流程", "Participant flow"),
        "flow.households_sampled": ("抽中住户", "Households sampled"),
        "flow.households_eligible": ("合格住户", "Eligible households"),
        "flow.households_responded": ("完成调查住户", "Households interviewed"),
        "flow.persons": ("调查常住人口", "Usual residents covered"),
        "flow.persons_screened": ("回答伤害筛查问题者", "Answered the injury screening question"),
        "flow.persons_injured": ("伤害者", "Injured persons"),
        "flow.case_episodes": ("伤害人次", "Injury episodes"),
        "flow.excluded": ("排除：{items}", "Excluded: {items}"),
        "flow.not_counted": ("未计入：{items}", "Not counted: {items}"),
        "flow.item": ("{label} {n}", "{label} {n}"),
        "flow.no_usable_data": ("无有效成员数据", "no usable person data"),
        "flow.not_case": ("不符合病例定义", "failing the case definition"),
        "flow.outside_window": ("不在回忆期内", "outside the recall window"),
        "flow.not_in_denominator": (
            "未计入发生率分母：{items}",
            "Not in the incidence denominator: {items}",
        ),
        "flow.screening_dont_know": ("筛查回答“不知道”", '"don\'t know" to screening'),
        "flow.screening_missing": ("筛查无回答", "no screening answer"),
        "count_n": ("n = {n}", "n = {n}"),
        # F2 population pyramid
        "f2.title": ("样本与普查人口年龄性别构成", "Age–sex structure: sample vs census"),
        "source.census": ("普查人口", "Census"),
        "source.sample_unweighted": ("样本（未加权）", "Sample, unweighted"),
        "source.sample_weighted": ("样本（加权）", "Sample, weighted"),
        # F3 incidence by age group and sex
        "f3.title": ("不同年龄组、性别的伤害发生率", "Injury incidence by age group and sex"),
        # F4 leading causes
        "f4.title": ("伤害原因构成", "Causes of injury episodes"),
        "f4.title_by_age": ("各年龄组主要伤害原因", "Leading causes of injury by age group"),
        # F5 cause x place
        "f5.title": (
            "伤害原因与发生地点（占全部伤害人次的%）",
            "Injury episodes by cause and place (% of all episodes)",
        ),
        # F6 injury pyramid
        "f6.title": ("伤害金字塔", "Injury pyramid"),
        "tier.death": ("死亡", "Deaths"),
        "tier.inpatient": ("住院", "Hospitalised"),
        "tier.outpatient": ("门急诊", "Outpatient or emergency care"),
        "tier.not_treated": ("未就医", "Not medically treated"),
        "f6.rate": ("{value}‰", "{value} per 1000"),
        "f6.ratio": ("比例 {ratio}", "Ratio {ratio}"),
        "f6.no_deaths": (
            "本次调查未收集伤害死亡，无死亡层",
            "No injury deaths were collected: the pyramid has no death tier",
        ),
        "f6.width_note": (
            "宽度按对数刻度：log10(1 + 10 × r)，r为每千人率",
            "Widths on a log scale: log10(1 + 10 × rate per 1000)",
        ),
        # F7 month and hour
        "f7.title": ("伤害发生的月份与时刻", "Month and hour of injury"),
        "f7.month": ("月份", "Month"),
        "f7.hour": ("时刻（时）", "Hour of day"),
        # F8 body part and nature
        "f8.title": ("伤害部位与伤害性质", "Body part and nature of injury"),
        "f8.body_part": ("伤害部位", "Body part"),
        "f8.nature": ("伤害性质", "Nature of injury"),
        # F9 forest plot
        "f9.title": ("基线与随访调查比较", "Baseline vs follow-up"),
        "wave.baseline": ("基线调查", "Baseline"),
        "wave.followup": ("随访调查", "Follow-up"),
        "f9.estimates": ("估计值（95%置信区间）", "Estimate (95% CI)"),
        "f9.difference": ("差值：随访 − 基线", "Difference: follow-up − baseline"),
        "f9.evaluation_title": (
            "干预效果评估：随访与基线之比",
            "Evaluation: follow-up vs baseline",
        ),
        "f9.ratio": ("随访/基线（{level}%置信区间）", "Follow-up / baseline ({level} % CI)"),
        "f9.ratio_of_ratios": ("比值之比（{level}%置信区间）", "Ratio of ratios ({level} % CI)"),
        "f9.ratio_of_ratios_legend": ("干预地区与对照地区之比", "Intervention vs comparison area"),
        "f9.axis": ("比值（对数刻度，1 = 无变化）", "Ratio (log scale, 1 = no change)"),
        # F10 recall decay
        "f10.title": (
            "回忆衰减：按调查前月数的伤害人次",
            "Recall decay: episodes by months before interview",
        ),
        "f10.months_before": ("伤害发生距调查的月数", "Months before interview"),
        "f10.episodes": ("伤害人次（加权估计）", "Injury episodes (weighted estimate)"),
        "f10.reference": ("第0–2月均值", "Mean of months 0–2"),
        # weights notebook: weight distribution
        "weights.title": ("各步骤的权重分布", "Distribution of the weights at each step"),
        "weights.weight_base": ("基础权重", "Base weight"),
        "weights.weight_nr": ("住户无应答调整后", "After household non-response adjustment"),
        "weights.weight_pnr": ("个人无应答调整后", "After person-level non-response adjustment"),
        "weights.weight": ("最终权重（校准后）", "Final weight (calibrated)"),
        "weights.panel": ("{step}（Kish权重效应{kish}）", "{step} (Kish weighting effect {kish})"),
        "weights.persons": ("人数", "Persons"),
        "weights.axis": ("权重（每名调查对象代表的人数）", "Weight (persons represented)"),
        # plan: sample-size sensitivity
        "plan.title": ("所需调查户数与预期伤害发生率", "Households needed vs expected incidence"),
        "plan.incidence": ("预期伤害发生率（%）", "Expected injury incidence (%)"),
        "plan.households": ("所需调查户数", "Households needed"),
        "plan.relative": ("相对精度 ε", "Relative precision ε"),
        "plan.absolute": ("绝对精度 d", "Absolute precision d"),
        "plan.chosen": ("选定方案：{households}户", "Chosen plan: {households} households"),
        # captions: what each figure shows (figure_caption adds source and method)
        "f1.caption": (
            "调查对象流程：从抽中住户到伤害人次各环节的数量及排除原因。",
            "Participant flow: numbers at each step from households sampled to injury episodes, "
            "with the reasons for exclusion.",
        ),
        "f2.caption": (
            "样本（未加权、加权）与普查人口的年龄性别构成比较（占总人口%）。",
            "Age–sex structure of the sample, unweighted and weighted, compared with the census "
            "(% of the population).",
        ),
        "f3.caption": (
            "不同年龄组、性别的伤害发生率（%）及其置信区间。",
            "Injury incidence (%) by age group and sex, with confidence intervals.",
        ),
        "f4.caption": (
            "伤害原因构成（占伤害人次%）及其置信区间。",
            "Causes of injury episodes (% of episodes), with confidence intervals.",
        ),
        "f4.caption_by_age": (
            "各年龄组前{top}位伤害原因（占该年龄组伤害人次%）及其置信区间。",
            "The {top} leading causes of injury within each age group (% of the group's "
            "episodes), with confidence intervals.",
        ),
        "f5.caption": (
            "伤害原因与发生地点的交叉分布（占全部伤害人次%）。",
            "Injury episodes by cause and place of occurrence (% of all episodes).",
        ),
        "f6.caption": (
            "伤害金字塔：回忆期内报告的全部伤害（不限于病例定义）按最高就医级别的每千人数，"
            "含死亡层；宽度按对数刻度。",
            "Injury pyramid: every injury reported in the recall period (not only those meeting "
            "the case definition) per 1000 persons by highest level of care, with a death tier; "
            "widths on a log scale.",
        ),
        "f6.caption_no_deaths": (
            "伤害金字塔：回忆期内报告的全部伤害（不限于病例定义）按最高就医级别的每千人数"
            "（未收集死亡数据，无死亡层）；宽度按对数刻度。",
            "Injury pyramid: every injury reported in the recall period (not only those meeting "
            "the case definition) per 1000 persons by highest level of care (no deaths were "
            "collected, so no death tier); widths on a log scale.",
        ),
        "f7.caption": (
            "伤害发生的月份与时刻分布（占月份/时刻已知的伤害人次%）。",
            "Month and hour of injury (% of the episodes with a known month or hour).",
        ),
        "f8.caption": (
            "伤害部位与伤害性质构成（占伤害人次%）及其置信区间。",
            "Body part and nature of injury (% of episodes), with confidence intervals.",
        ),
        "f9.caption": (
            "基线与随访调查的估计值及差值（随访−基线）及其置信区间；各原因的变化仅作描述。",
            "Baseline and follow-up estimates and their difference (follow-up − baseline), with "
            "confidence intervals; changes by cause are descriptive.",
        ),
        "f9.evaluation_caption": (
            "各指标与目标人群的伤害发生率随访/基线之比及其置信区间（对数刻度）；有对照地区时，"
            "右图为干预地区与对照地区变化之比。各原因、各目标人群的比较为描述性结果，未做多重"
            "比较校正。",
            "Follow-up/baseline ratio of injury incidence by indicator and target group, with "
            "confidence intervals (log scale); with a comparison area, the right panel is the "
            "ratio of the two areas' ratios. Comparisons by cause and target group are "
            "descriptive and not corrected for multiplicity.",
        ),
        "programme.caption": (
            "安全社区知晓、安全知识与家庭安全措施（%，{level}%CI）。",
            "Programme awareness, safety knowledge and home-safety measures (%, {level} % CI).",
        ),
        "f9.programme_caption": (
            "安全社区知晓、安全知识与家庭安全措施的随访/基线之比及其置信区间（对数刻度）；有对照"
            "地区时，右图为干预地区与对照地区变化之比。各项目的比较为描述性结果，未做多重比较校正。",
            "Follow-up/baseline ratio of programme awareness, safety knowledge and home-safety "
            "measures, with confidence intervals (log scale); with a comparison area, the right "
            "panel is the ratio of the two areas' ratios. Comparisons by item are descriptive and "
            "not corrected for multiplicity.",
        ),
        "f10.caption": (
            "按伤害发生距调查月数的伤害人次（加权计数，即估计的全人群伤害人次，非样本例数）；"
            "若无回忆衰减，各月应大致持平；虚线为第0–2月均值。",
            "Injury episodes by months before the interview, as weighted counts (the estimated "
            "episodes in the population, not the sample's episodes); without recall loss the bars "
            "would be about level. Dashed line: mean of months 0–2.",
        ),
        "plan.caption": (
            "不同预期发生率与精度下所需的调查户数；圆圈为选定方案。",
            "Households needed by expected incidence and precision; the circle marks the chosen "
            "plan.",
        ),
        "caption.source": ("资料来源：{source}。", "Source: {source}."),
        # caption method notes
        "method.weighted": ("加权的基于设计的估计", "Weighted design-based estimates"),
        "method.unweighted": ("未加权", "Unweighted"),
        "method.ci": ("{level}%置信区间（{method}）", "{level} % CI ({method})"),
        "method.case_definition": ("伤害病例定义：{definition}", "case definition: {definition}"),
        "method.unstable": (
            "估计值不稳定：未加权例数 < {n} 或相对标准误 > {rse}%",
            "unstable: unweighted n < {n} or relative SE > {rse} %",
        ),
        "ci.logit": ("logit法", "logit"),
        "ci.beta": ("Korn–Graubard法", "Korn–Graubard"),
        "ci.log": ("对数尺度", "log scale"),
    }
)


def figure_text(key: str, lang: str, **fields: object) -> str:
    """The figure text ``key`` (dotted, e.g. "f3.title") in ``lang``, with ``fields`` filled in."""
    check_language(lang)
    entry = FIGURE_TEXTS.get(key)
    if entry is None:
        raise KeyError(
            f"No figure text {key!r}; add it (zh and en) to FIGURE_TEXTS in "
            "src/injury_survey/figures/style.py."
        )
    return entry[lang].format(**fields) if fields else entry[lang]


def wrap_label(text: str, lang: str, width: int | None = None) -> str:
    """Break a long category label into lines (English labels are long, Chinese ones short).

    English breaks at spaces. Chinese has no spaces: it breaks after a list separator
    ("、", "，", "/") when one falls in the second half of the line, else after ``width``
    characters, and never puts closing punctuation at the start of a line.
    """
    width = width or WRAP_WIDTH[check_language(lang)]
    text = str(text)
    if lang == "en":
        return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) or text
    lines = []
    rest = text
    while len(rest) > width:
        cut = width
        for k in range(width, width // 2, -1):
            if rest[k - 1] in _BREAK_AFTER:
                cut = k
                break
        while cut < len(rest) and rest[cut] in _NO_LINE_START:
            cut += 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    lines.append(rest)
    return "\n".join(line for line in lines if line)


def age_label(age_group: object) -> str:
    """ "0-14" → "0–14" (en dash, as in print); "65+" stays."""
    return str(age_group).replace("-", "–")


def thousands(value: float) -> str:
    """12345.6 → "12,346" (the thousands separator of Chinese and English statistical reports)."""
    return f"{value:,.0f}"


def method_note(
    lang: str,
    *,
    labels: Labels | None = None,
    weighted: bool = True,
    confidence: float | None = 0.95,
    ci_method: str | None = "logit",
    case_definition: str | None = None,
    unstable_min_n: int | None = None,
    unstable_max_rse: float | None = None,
) -> str:
    """One sentence of method notes for a caption, from the config's settings.

    The case definition's wording comes from the codebook (``labels.text(case_definition,
    lang)``), e.g. ``method_note("en", labels=codebook, case_definition="case_1day")`` →
    "Weighted design-based estimates; 95 % CI (logit); case definition: treated by a doctor or
    nurse or ≥ 1 day off."
    """
    parts = [figure_text("method.weighted" if weighted else "method.unweighted", lang)]
    if confidence is not None and ci_method is not None:
        parts.append(
            figure_text(
                "method.ci",
                lang,
                level=f"{confidence * 100:g}",
                method=figure_text(f"ci.{ci_method}", lang),
            )
        )
    if case_definition is not None:
        if labels is None:
            raise ValueError("method_note needs labels (the codebook) to word the case definition.")
        parts.append(
            figure_text(
                "method.case_definition",
                lang,
                definition=labels.text(case_definition, lang),
            )
        )
    if unstable_min_n is not None and unstable_max_rse is not None:
        parts.append(
            figure_text(
                "method.unstable", lang, n=unstable_min_n, rse=f"{unstable_max_rse * 100:g}"
            )
        )
    separator, end = ("；", "。") if lang == "zh" else ("; ", ".")
    return separator.join(parts) + end


def figure_caption(
    figure: str, lang: str, *, source: str | None = None, method: str | None = None, **fields
) -> str:
    """Caption for ``save_figure``: what is shown, then the source, then the method notes.

    ``figure`` is the figure's text prefix ("f3", "f4", "plan" …; "f4.caption_by_age" for a
    variant), ``source`` e.g. the survey's name and year from the config, ``method`` usually
    :func:`method_note`; ``fields`` fill the caption's placeholders (``top`` for F4 by age).
    """
    key = figure if "." in figure else f"{figure}.caption"
    parts = [figure_text(key, lang, **fields)]
    if source:
        parts.append(figure_text("caption.source", lang, source=source))
    if method:
        parts.append(method)
    return ("" if lang == "zh" else " ").join(parts)


def as_image(fig: Figure, dpi: int = 110) -> Any:
    """The figure as a PNG image for a notebook to ``display`` (in the house style).

    Figures are built without pyplot, so IPython's inline backend does not know them; this
    renders them explicitly and works in any kernel.
    """
    from IPython.display import Image

    buffer = io.BytesIO()
    with house_style():
        fig.savefig(buffer, format="png", dpi=dpi)
    return Image(data=buffer.getvalue(), format="png")


def save_figure(
    fig: Figure, out_dir: str | Path, stem: str, *, lang: str, caption: str
) -> list[Path]:
    """Write ``<stem>_<lang>.png`` (300 dpi), ``.svg`` and ``.txt`` (the caption); close ``fig``.

    The caption says what is shown, the data source and the method (see :func:`method_note`).
    Output is deterministic: the SVG has a fixed id salt and no date, the PNG no timestamp, so a
    rerun on the same data rewrites identical bytes and version control shows no spurious change.
    Returns the three paths.
    """
    check_language(lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    base = out_dir / f"{stem}_{lang}"
    png, svg, txt = base.with_suffix(".png"), base.with_suffix(".svg"), base.with_suffix(".txt")
    with house_style():
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        # The layout the first draw computed holds for the SVG: computing it again costs a
        # quarter of the figure's time and moves nothing visibly.
        fig.set_layout_engine("none")
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    txt.write_text(caption.strip() + "\n", encoding="utf-8")
    plt.close(fig)
    return [png, svg, txt]
