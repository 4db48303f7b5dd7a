"""Tests of the figure module: every figure in both languages, fonts, saving.

Expected counts come from the hand-made tables below (counted by hand, shown in comments); the
glyph test is checked against a control that renders the same Chinese text with matplotlib's
default DejaVu Sans, which must warn, so the test would fail if the font registration went away.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from pathlib import Path

import matplotlib
import matplotlib.image
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Polygon
from matplotlib.text import Text
from PIL import Image

from injury_survey.figures import (
    baseline_followup_forest,
    body_part_and_nature,
    cause_place_heatmap,
    charts,
    incidence_by_age_sex,
    injury_pyramid,
    leading_causes,
    leading_causes_by_age,
    month_and_hour,
    participant_flow,
    population_pyramid,
    recall_decay,
    sample_size_sensitivity,
    style,
    weight_distribution,
)
from injury_survey.figures.style import (
    figure_caption,
    figure_languages,
    method_note,
    save_figure,
)

LANGS = ["zh", "en"]

# A small stand-in for the codebook (injury_survey.codebook): labels of docs/methods.md §2.7.
CODE_LABELS = {
    "sex": {1: ("男", "Male"), 2: ("女", "Female")},
    "cause": {
        1: ("机动车车祸", "Motor-vehicle traffic crash"),
        2: ("非机动车车祸", "Non-motor-vehicle traffic crash"),
        3: ("跌倒/坠落", "Fall"),
        4: ("钝器伤", "Blunt force (struck by or against)"),
        6: ("刀/锐器伤", "Cut or pierce"),
        7: ("烧烫伤", "Burn or scald"),
        11: ("动物伤", "Animal bite or sting"),
        13: ("其他", "Other"),
    },
    "place": {
        1: ("家中", "Home"),
        3: ("学校与公共场所", "School, other institution, public administrative area"),
        5: ("公路/街道", "Street and highway"),
        6: ("贸易和服务场所", "Trade and service area"),
        7: ("工业和建筑场所", "Industrial and construction area"),
    },
    "body_part": {
        1: ("头部", "Head"),
        2: ("上肢", "Upper limb"),
        3: ("下肢", "Lower limb"),
        4: ("躯干", "Trunk"),
        5: ("多部位", "Multiple sites"),
    },
    "nature": {
        1: ("骨折", "Fracture"),
        2: ("扭伤/拉伤", "Sprain or strain"),
        3: ("锐器伤、咬伤、开放伤", "Cut, bite, open wound"),
        4: ("挫伤、擦伤", "Bruise or abrasion (superficial)"),
        6: ("脑震荡、脑挫裂伤", "Concussion or brain injury"),
    },
}
TEXTS = {
    "incidence_crude": ("伤害发生率（粗率）", "Injury incidence, crude"),
    "incidence_std": ("伤害发生率（标化率）", "Injury incidence, age-standardised"),
    "cause_incidence": ("原因别发生率", "Cause-specific incidence"),
    "case_cn_halfday": (
        "经医疗机构诊断或因伤休息≥半天",
        "diagnosed by a medical facility or ≥ half a day off",
    ),
}


class StandInLabels:
    """Has the two methods the figures use from the codebook."""

    def text(self, key: str, lang: str) -> str:
        return TEXTS[key][0 if lang == "zh" else 1]

    def label(self, variable: str, code: int, lang: str) -> str:
        assert isinstance(code, int), f"codes reach the codebook as int, got {code!r}"
        return CODE_LABELS[variable][code][0 if lang == "zh" else 1]


LABELS = StandInLabels()


# ---------------------------------------------------------------------------------------------
# Hand-made tables, one per figure
# ---------------------------------------------------------------------------------------------


def flow_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": [
                "households_sampled",
                "households_eligible",
                "households_responded",
                "persons",
                "persons_injured",
                "case_episodes",
            ],
            "count": [2640, 2580, 2372, 6190, 241, 287],
            "note_en": [
                None,
                "Excluded 60: vacant 41, demolished 12, not found 7",
                "Not interviewed 208: absent 131, refused 77",
                None,
                "Case definition: diagnosed by a facility or ≥ half a day off",
                None,
            ],
            "note_zh": [
                None,
                "排除60户：空户41，拆迁12，未找到7",
                "未完成208户：不在家131，拒访77",
                None,
                "病例定义：经医疗机构诊断或休息≥半天",
                None,
            ],
        }
    )


AGE_5 = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44"]
AGE_5 += ["45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85+"]


def pyramid_table() -> pd.DataFrame:
    rows = []
    for i, age in enumerate(AGE_5):
        # a plausible ageing census; the unweighted sample over-represents older people
        census = [0.028 + 0.004 * math.sin(i / 3) - 0.0008 * max(i - 12, 0) * 3] * 2
        for sex in (1, 2):
            base = census[sex - 1] + (0.002 if sex == 2 and i > 12 else 0.0)
            rows.append((age, sex, "census", base))
            rows.append((age, sex, "sample_unweighted", base * (0.8 if i < 8 else 1.2)))
            rows.append((age, sex, "sample_weighted", base * 1.01))
    return pd.DataFrame(rows, columns=["age_group", "sex", "source", "share"])


def incidence_table() -> pd.DataFrame:
    # 4 age groups x 2 sexes = 8 rows; one unstable (65+ female), one suppressed (65+ male)
    return pd.DataFrame(
        {
            "age_group": ["0-14", "0-14", "15-44", "15-44", "45-64", "45-64", "65+", "65+"],
            "sex": pd.array([1, 2, 1, 2, 1, 2, 1, 2], dtype="Int64"),
            "estimate": [0.042, 0.031, 0.048, 0.029, 0.039, 0.036, None, 0.055],
            "ci_lower": [0.031, 0.022, 0.040, 0.022, 0.030, 0.027, None, 0.030],
            "ci_upper": [0.057, 0.043, 0.058, 0.038, 0.050, 0.047, None, 0.099],
            "n": [510, 480, 1320, 1290, 800, 830, 4, 22],
            "flag": ["", "", "", "", "", "", "suppressed", "unstable"],
        }
    )


def cause_table() -> pd.DataFrame:
    # composition of episodes by cause: 8 causes, shares sum to 1 (0.40 + 0.18 + ... = 1.00)
    shares = {3: 0.40, 1: 0.18, 2: 0.12, 4: 0.10, 6: 0.08, 11: 0.06, 7: 0.04, 13: 0.02}
    return pd.DataFrame(
        {
            "indicator": "composition",
            "by": "cause",
            "level": pd.array(list(shares), dtype="Int64"),
            "estimate": list(shares.values()),
            "ci_lower": [s * 0.75 for s in shares.values()],
            "ci_upper": [s * 1.3 for s in shares.values()],
            "flag": ["", "", "", "", "", "", "unstable", "unstable"],
        }
    )


def cause_by_age_table() -> pd.DataFrame:
    shares = {3: 0.40, 1: 0.18, 2: 0.12, 4: 0.10, 6: 0.08, 11: 0.06, 7: 0.04, 13: 0.02}
    frames = []
    for i, age in enumerate(["0-14", "15-44", "45-64", "65+"]):
        # rotate the shares so each age group has its own ranking
        codes = list(shares)[i:] + list(shares)[:i]
        frames.append(
            pd.DataFrame(
                {
                    "age_group": age,
                    "by": "cause",
                    "level": pd.array(codes, dtype="Int64"),
                    "estimate": list(shares.values()),
                    "ci_lower": [s * 0.7 for s in shares.values()],
                    "ci_upper": [s * 1.35 for s in shares.values()],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def cause_place_table() -> pd.DataFrame:
    # 4 causes x 5 places = 20 cells, one missing (no episodes), one suppressed
    rows = []
    for cause, weight in {3: 0.45, 1: 0.25, 6: 0.15, 7: 0.15}.items():
        for place, p_weight in {1: 0.4, 3: 0.15, 5: 0.3, 6: 0.1, 7: 0.05}.items():
            rows.append((cause, place, weight * p_weight, ""))
    table = pd.DataFrame(rows, columns=["cause", "place", "estimate", "flag"])
    table.loc[(table["cause"] == 7) & (table["place"] == 7), "flag"] = "suppressed"
    table = table[~((table["cause"] == 6) & (table["place"] == 6))]
    return table.reset_index(drop=True)


def injury_pyramid_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tier": ["death", "inpatient", "outpatient", "not_treated"],
            "estimate": [0.5, 15.0, 150.0, 210.0],  # per 1 000 persons
        }
    )


def month_hour_table() -> pd.DataFrame:
    month = [0.07, 0.06, 0.08, 0.08, 0.09, 0.09, 0.10, 0.10, 0.09, 0.08, 0.08, 0.08]
    hour = [0.01] * 6 + [0.03, 0.05, 0.07, 0.07, 0.06, 0.05]
    hour += [0.04, 0.05, 0.06, 0.07, 0.08, 0.07, 0.06, 0.05, 0.03, 0.02, 0.02, 0.01]
    return pd.DataFrame(
        {
            "by": ["month"] * 12 + ["hour"] * 24,
            "level": list(range(1, 13)) + list(range(24)),
            "estimate": month + hour,
        }
    )


def body_nature_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "by": ["body_part"] * 5 + ["nature"] * 5,
            "level": [1, 2, 3, 4, 5, 1, 2, 3, 4, 6],
            "estimate": [0.15, 0.30, 0.38, 0.12, 0.05, 0.22, 0.25, 0.20, 0.28, 0.05],
            "ci_lower": [0.11, 0.25, 0.32, 0.08, 0.02, 0.17, 0.20, 0.15, 0.22, 0.02],
            "ci_upper": [0.20, 0.36, 0.44, 0.17, 0.10, 0.28, 0.31, 0.26, 0.34, 0.10],
            "flag": [""] * 4 + ["unstable"] + [""] * 4 + ["unstable"],
        }
    )


def forest_table() -> pd.DataFrame:
    # 4 items (2 indicators + 2 causes) x (baseline, followup, difference) = 12 rows
    rows = []
    items = [
        ("incidence_crude", "all", "all", 0.040, 0.034),  # estimates.csv's whole-population row
        ("incidence_std", None, None, 0.038, 0.033),
        ("cause_incidence", "cause", 3, 0.016, 0.013),
        ("cause_incidence", "cause", 1, 0.007, 0.006),
    ]
    for indicator, by, level, base, follow in items:
        rows.append((indicator, by, level, "baseline", base, base * 0.85, base * 1.17))
        rows.append((indicator, by, level, "followup", follow, follow * 0.85, follow * 1.17))
        diff = follow - base
        rows.append((indicator, by, level, "difference", diff, diff - 0.008, diff + 0.008))
    return pd.DataFrame(
        rows,
        columns=["indicator", "by", "level", "wave", "estimate", "ci_lower", "ci_upper"],
    )


def recall_table() -> pd.DataFrame:
    # months 0-2 hold 30, 27, 27 episodes: reference = (30 + 27 + 27) / 3 = 28
    return pd.DataFrame(
        {
            "months_before": list(range(12)),
            "episodes": [30, 27, 27, 25, 24, 22, 21, 20, 18, 19, 17, 16],
        }
    )


def sample_size_table() -> pd.DataFrame:
    # households from docs/methods.md §5.3's worked example for eps = 0.15 (3 539, 2 627,
    # 2 079, 985, 620); the other two lines are scaled by (0.15 / eps)^2, as n is ∝ 1/eps^2
    priors = [0.03, 0.04, 0.05, 0.10, 0.15]
    at_15 = [3539, 2627, 2079, 985, 620]
    rows = []
    for eps in (0.10, 0.15, 0.20):
        for prior, households in zip(priors, at_15, strict=True):
            rows.append((prior, eps, round(households * (0.15 / eps) ** 2)))
    return pd.DataFrame(rows, columns=["incidence_prior", "precision", "households"])


FIGURES = {
    "f01_flow": lambda lang: participant_flow(flow_table(), lang=lang, labels=LABELS),
    "f02_pyramid": lambda lang: population_pyramid(pyramid_table(), lang=lang, labels=LABELS),
    "f03_incidence": lambda lang: incidence_by_age_sex(incidence_table(), lang=lang, labels=LABELS),
    "f04_causes": lambda lang: leading_causes(cause_table(), lang=lang, labels=LABELS),
    "f04_causes_by_age": lambda lang: leading_causes_by_age(
        cause_by_age_table(), lang=lang, labels=LABELS, top=5
    ),
    "f05_cause_place": lambda lang: cause_place_heatmap(
        cause_place_table(), lang=lang, labels=LABELS, suppress_below=5
    ),
    "f06_injury_pyramid": lambda lang: injury_pyramid(
        injury_pyramid_table(), lang=lang, labels=LABELS
    ),
    "f07_month_hour": lambda lang: month_and_hour(month_hour_table(), lang=lang, labels=LABELS),
    "f08_body_nature": lambda lang: body_part_and_nature(
        body_nature_table(), lang=lang, labels=LABELS
    ),
    "f09_forest": lambda lang: baseline_followup_forest(
        forest_table(), lang=lang, labels=LABELS, unit="percent"
    ),
    "f10_recall": lambda lang: recall_decay(recall_table(), lang=lang, labels=LABELS),
    "plan_sample_size": lambda lang: sample_size_sensitivity(
        sample_size_table(), lang=lang, labels=LABELS, chosen=(0.04, 0.15)
    ),
}

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def built():
    """Each figure built once per language (building is the slow part), on first use."""
    cache: dict[tuple[str, str], Figure] = {}

    def get(name: str, lang: str) -> Figure:
        if (name, lang) not in cache:
            cache[(name, lang)] = FIGURES[name](lang)
        return cache[(name, lang)]

    return get


def all_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def glyph_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if "missing" in str(w.message).lower()]


# ---------------------------------------------------------------------------------------------
# Every figure, both languages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_is_drawn_in_the_requested_language(built, name, lang):
    fig = built(name, lang)
    assert isinstance(fig, Figure)
    texts = all_texts(fig)
    assert texts, "a figure without any text has lost its labels"
    chinese = [t for t in texts if CJK.search(t)]
    if lang == "zh":
        assert chinese, f"{name}: the Chinese edition shows no Chinese text"
    else:
        assert not chinese, f"{name}: Chinese text in the English edition: {chinese}"
    # nothing is left in matplotlib's default font
    families = {t.get_fontfamily()[0] for t in fig.findobj(Text) if t.get_text()}
    assert families == {style.FONT_FAMILY}


def test_building_a_figure_leaves_global_settings_alone(built):
    before = dict(matplotlib.rcParams)
    built("f03_incidence", "zh")
    FIGURES["f10_recall"]("en")
    assert matplotlib.rcParams["font.family"] == before["font.family"]
    assert matplotlib.rcParams["svg.fonttype"] == before["svg.fonttype"]


def _ticklabels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_f1_flow_has_one_box_per_step_and_the_notes(built):
    fig = built("f01_flow", "en")
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == 6  # six steps in flow_table()
    texts = all_texts(fig)
    assert "Households sampled\nn = 2,640" in texts
    # three notes (rows 2, 3 and 5 of flow_table); the longest is wrapped at 46 characters
    assert sum(t.startswith(("Excluded", "Not interviewed", "Case definition")) for t in texts) == 3


def test_f1_rejects_unknown_steps_and_wrong_order():
    bad = pd.DataFrame({"step": ["households_sampled", "villages"], "count": [10, 2]})
    with pytest.raises(ValueError, match="villages"):
        participant_flow(bad, lang="en")
    swapped = pd.DataFrame({"step": ["persons", "households_sampled"], "count": [10, 2]})
    with pytest.raises(ValueError, match="in the order"):
        participant_flow(swapped, lang="en")


def test_f2_pyramid_has_census_bars_and_sample_points(built):
    ax = built("f02_pyramid", "en").axes[0]
    bars = [b for c in ax.containers if isinstance(c, BarContainer) for b in c]
    assert len(bars) == 36  # 18 age groups x 2 sexes
    points = [line for line in ax.lines if line.get_marker() in ("o", "D")]
    # 2 sexes x 2 sample sources, each a series of 18 age groups
    assert sorted(len(line.get_xdata()) for line in points) == [18, 18, 18, 18]
    # males to the left: the male census share of 0-4 is drawn negative
    male_census = [b.get_width() for b in ax.containers[0]]
    assert all(w < 0 for w in male_census)
    assert _ticklabels(ax)[0] == "0–4" and _ticklabels(ax)[-1] == "85+"


def test_f3_one_errorbar_per_age_group_and_sex(built):
    ax = built("f03_incidence", "en").axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    # 4 age groups x 2 sexes = 8 rows, minus 1 suppressed (65+ male) = 7
    assert len(bars) == 7
    open_points = [c for c in bars if c.lines[0].get_markerfacecolor() == "white"]
    assert len(open_points) == 1  # 65+ female is flagged unstable
    # the 0-14 male point sits at 4.2 % with whiskers 3.1-5.7 (table x 100)
    first = bars[0]
    assert first.lines[0].get_ydata()[0] == pytest.approx(4.2)
    segment = first.lines[2][0].get_segments()[0]
    assert [y for _, y in segment] == pytest.approx([3.1, 5.7])
    assert "—" in all_texts(ax.figure)  # the suppressed cell is marked, not dropped silently


def test_f4_leading_causes_sorted_with_top(built):
    ax = built("f04_causes", "en").axes[0]
    widths = [b.get_width() for b in ax.containers[0]]
    assert widths == pytest.approx([40, 18, 12, 10, 8, 6, 4, 2])  # shares x 100, largest first
    assert _ticklabels(ax)[0] == "Fall"
    top3 = leading_causes(cause_table(), lang="zh", labels=LABELS, top=3)
    assert len(top3.axes[0].containers[0]) == 3
    assert _ticklabels(top3.axes[0]) == ["跌倒/坠落", "机动车车祸", "非机动车车祸"]


def test_f4_small_multiples_one_panel_per_age_group(built):
    fig = built("f04_causes_by_age", "en")
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.containers]
    assert len(panels) == 4
    assert all(len(ax.containers[0]) == 5 for ax in panels)  # top = 5
    # cause_by_age_table() rotates the shares: in 15-44 code 1 (motor vehicle) gets 40 %
    assert _ticklabels(panels[1])[0] == "Motor-vehicle\ntraffic crash"
    assert panels[1].get_title(loc="left") == "15–44 years"


def test_f5_heatmap_annotates_every_cell(built):
    ax = built("f05_cause_place", "en").axes[0]
    image = ax.images[0].get_array()
    assert image.shape == (4, 5)  # 4 causes x 5 places
    cells = [t.get_text() for t in ax.texts]
    assert len(cells) == 20
    assert cells.count("—") == 1  # burn x industrial area is suppressed
    # fall at home: 0.45 x 0.4 = 0.18 -> "18.0"; cut x trade area has no row -> "0.0"
    assert cells[1 * 5 + 0] == "18.0"
    assert cells[2 * 5 + 3] == "0.0"


def test_f6_injury_pyramid_shape_numbers_and_ratio(built):
    fig = built("f06_injury_pyramid", "en")
    ax = fig.axes[0]
    tiers = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(tiers) == 4
    tip = tiers[-1].get_xy()
    # the deaths tier is a triangle with base log10(1 + 10 x 0.5) = log10(6) = 0.7782
    assert tip[1][0] - tip[0][0] == pytest.approx(math.log10(6))
    assert tip[2][0] == tip[3][0] == 0
    texts = all_texts(fig)
    assert "Deaths\n0.50 per 1000" in texts
    # 15 / 0.5 = 30, 150 / 0.5 = 300, 210 / 0.5 = 420
    assert any("Ratio 1 : 30 : 300 : 420" in t for t in texts)
    assert charts.pyramid_width(0) == 0


def test_f6_without_deaths_says_there_is_no_death_tier():
    table = injury_pyramid_table()
    fig = injury_pyramid(table[table["tier"] != "death"], lang="en", labels=LABELS)
    assert any("no death tier" in t for t in all_texts(fig))
    with_deaths = injury_pyramid(table, lang="en", labels=LABELS)
    assert not any("no death tier" in t for t in all_texts(with_deaths))


def test_f7_month_and_hour_bars(built):
    months, hours = built("f07_month_hour", "en").axes
    assert len(months.containers[0]) == 12
    assert len(hours.containers[0]) == 24
    assert months.containers[0][0].get_height() == pytest.approx(7.0)  # 0.07 x 100


def test_f8_body_part_and_nature_bars(built):
    body, nature = built("f08_body_nature", "en").axes
    assert len(body.containers[0]) == 5 and len(nature.containers[0]) == 5
    assert _ticklabels(body)[0] == "Lower limb"  # 38 % is the largest share
    # the unstable "multiple sites" bar is grey
    grey = [b for b in body.containers[0] if b.get_facecolor()[:3] == (0xBB / 255,) * 3]
    assert len(grey) == 1


def test_f9_forest_rows_and_difference_panel(built):
    estimates, difference = built("f09_forest", "en").axes[:2]
    bars = [c for c in estimates.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2  # baseline and follow-up
    assert all(len(c.lines[0].get_xdata()) == 4 for c in bars)  # 4 items each
    # rows without by/level are one item each, not one per wave (NA never equals NA)
    assert _ticklabels(estimates) == [
        "Injury incidence,\ncrude",
        "Injury incidence,\nage-standardised",
        "Fall",
        "Motor-vehicle\ntraffic crash",
    ]
    diff = [c for c in difference.containers if isinstance(c, ErrorbarContainer)][0]
    # crude incidence: 0.034 - 0.040 = -0.006 -> -0.6 percentage points
    assert diff.lines[0].get_xdata()[0] == pytest.approx(-0.6)


def test_f10_recall_decay_reference_line(built):
    ax = built("f10_recall", "en").axes[0]
    assert len(ax.containers[0]) == 12
    reference = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(reference) == 1
    assert reference[0].get_ydata()[0] == pytest.approx(28.0)  # (30 + 27 + 27) / 3


def test_sample_size_lines_and_chosen_point(built):
    fig = built("plan_sample_size", "en")
    ax = fig.axes[0]
    series = [line for line in ax.lines if len(line.get_xdata()) == 5]
    assert len(series) == 3  # one line per precision, 5 priors each
    assert any("Chosen plan: 2,627 households" in t for t in all_texts(fig))
    with pytest.raises(ValueError, match="not a point of the table's grid"):
        sample_size_sensitivity(sample_size_table(), lang="en", labels=LABELS, chosen=(0.07, 0.15))


def test_bad_tables_get_a_message_naming_the_column():
    with pytest.raises(ValueError, match=r"ci_upper"):
        incidence_by_age_sex(incidence_table().drop(columns="ci_upper"), lang="en", labels=LABELS)
    with pytest.raises(ValueError, match=r"'sex' holds \['3'\]"):
        incidence_by_age_sex(incidence_table().assign(sex=3), lang="en", labels=LABELS)
    with pytest.raises(ValueError, match="must be numeric"):
        recall_decay(recall_table().assign(episodes="many"), lang="en")
    with pytest.raises(ValueError, match='"zh" or "en"'):
        recall_decay(recall_table(), lang="fr")


# ---------------------------------------------------------------------------------------------
# Chinese glyphs: zero "Glyph ... missing" warnings in PNG, SVG and PDF
# ---------------------------------------------------------------------------------------------


def _every_figure_text_zh() -> Figure:
    """One figure showing every Chinese figure text, to render in all three formats."""
    with style.house_style():
        fig = Figure(figsize=(6, 12))
        for i, entry in enumerate(style.FIGURE_TEXTS.values()):
            fig.text(0.01, 1 - (i + 1) / (len(style.FIGURE_TEXTS) + 1), entry["zh"], fontsize=6)
    return fig


def test_chinese_text_renders_without_missing_glyphs_in_png_svg_pdf():
    fig = _every_figure_text_zh()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for fmt in ("png", "svg", "pdf"):
            with style.house_style():
                fig.savefig(io.BytesIO(), format=fmt)
    assert glyph_warnings(record) == []


@pytest.mark.parametrize("name", list(FIGURES))
def test_chinese_figures_render_without_missing_glyphs_under_default_settings(built, name):
    # a notebook displays the figure under its own (default) settings, outside the house style
    fig = built(name, "zh")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with matplotlib.rc_context(matplotlib.rcParamsDefault):
            fig.savefig(io.BytesIO(), format="png", dpi=50)
    assert glyph_warnings(record) == []


def test_control_default_font_does_warn_about_chinese_glyphs():
    # proves the check above can fail: DejaVu Sans has no Chinese glyphs
    fig = Figure()
    fig.text(0.1, 0.5, "伤害发生率", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert len(glyph_warnings(record)) >= 1


def test_without_the_font_registration_the_glyph_check_fails(monkeypatch):
    # remove Noto Sans SC from matplotlib's font list, as if register_font() had not run
    manager = font_manager.fontManager
    without = [f for f in manager.ttflist if Path(f.fname) != style.font_path()]
    monkeypatch.setattr(manager, "ttflist", without)
    font_manager.FontManager._findfont_cached.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            fig = incidence_by_age_sex(incidence_table(), lang="zh", labels=LABELS)
            with style.house_style():
                fig.savefig(io.BytesIO(), format="png", dpi=50)
        assert glyph_warnings(record), "no warning although the Chinese font is not available"
    finally:
        monkeypatch.undo()
        font_manager.FontManager._findfont_cached.cache_clear()
    assert style.register_font() == style.font_path()


# ---------------------------------------------------------------------------------------------
# Saving, languages, texts
# ---------------------------------------------------------------------------------------------


def test_save_figure_writes_png_svg_and_caption(tmp_path):
    fig = recall_decay(recall_table(), lang="zh")
    caption = method_note("zh", labels=LABELS, case_definition="case_cn_halfday")
    paths = save_figure(fig, tmp_path / "figures", "f10_recall", lang="zh", caption=caption)
    assert [p.name for p in paths] == [
        "f10_recall_zh.png",
        "f10_recall_zh.svg",
        "f10_recall_zh.txt",
    ]
    assert all(p.is_file() for p in paths)
    with Image.open(paths[0]) as png:
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.1)
        # 16 cm x 7 cm at 300 dpi: 16 / 2.54 x 300 = 1889.8 px, 7 / 2.54 x 300 = 826.8 px
        assert png.size[0] in (1889, 1890)
        assert png.size[1] in (826, 827)
    assert matplotlib.image.imread(paths[0]).shape[:2] == (png.size[1], png.size[0])
    assert paths[2].read_text(encoding="utf-8") == caption + "\n"
    svg = paths[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    assert "<text" not in svg  # text is drawn as paths: the reader needs no font


def test_save_figure_is_deterministic(tmp_path):
    first = save_figure(
        FIGURES["f03_incidence"]("en"), tmp_path / "a", "f03", lang="en", caption="x"
    )
    second = save_figure(
        FIGURES["f03_incidence"]("en"), tmp_path / "b", "f03", lang="en", caption="x"
    )
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_figure_languages():
    assert figure_languages("both") == ["zh", "en"]
    assert figure_languages("zh") == ["zh"]
    assert figure_languages("en") == ["en"]
    with pytest.raises(ValueError, match="report.language"):
        figure_languages("cn")


def test_method_note_states_weighting_ci_and_case_definition():
    assert method_note("en", labels=LABELS, case_definition="case_cn_halfday") == (
        "Weighted design-based estimates; 95 % CI (logit); case definition: diagnosed by a "
        "medical facility or ≥ half a day off."
    )
    assert method_note("zh", ci_method="beta", confidence=0.9) == (
        "加权的基于设计的估计；90%置信区间（Korn–Graubard法）。"
    )


def test_every_figure_text_has_both_languages():
    for key, entry in style.FIGURE_TEXTS.items():
        assert entry["zh"].strip() and entry["en"].strip(), key
        assert not CJK.search(entry["en"]), f"Chinese in the English text of {key!r}"
    with pytest.raises(KeyError, match="FIGURE_TEXTS"):
        style.figure_text("f99.title", "en")


def test_wrap_label_rules():
    # English breaks at spaces: "Motor-vehicle traffic" is 21 characters > 20
    assert style.wrap_label("Motor-vehicle traffic crash", "en") == "Motor-vehicle\ntraffic crash"
    # Chinese: a closing bracket never starts a line, so the 10th character stays on line 1
    assert style.wrap_label("伤害发生率（标化率）", "zh", 9) == "伤害发生率（标化率）"
    # Chinese: break after the list separator "、" in the second half of the line
    assert style.wrap_label("锐器伤、咬伤、开放伤", "zh", 8) == "锐器伤、咬伤、\n开放伤"


def test_codes_as_text_are_read_like_estimates_csv_levels():
    # estimates.csv holds levels (and so sex and cause codes) as text: "1", "3"
    table = incidence_table().assign(sex=lambda t: t["sex"].astype(str))
    fig = incidence_by_age_sex(table, lang="en", labels=LABELS)
    assert len([c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]) == 7
    causes = cause_table().assign(level=lambda t: t["level"].astype(str))
    ax = leading_causes(causes, lang="en", labels=LABELS).axes[0]
    assert _ticklabels(ax)[0] == "Fall"
    with pytest.raises(ValueError, match="not a code"):
        leading_causes(causes.assign(level="fall"), lang="en", labels=LABELS)


def test_english_code_labels_are_in_sentence_case():
    class LowerCaseLabels(StandInLabels):
        def label(self, variable, code, lang):
            return super().label(variable, code, lang).lower()  # as the codebook writes them

    ax = leading_causes(cause_table(), lang="en", labels=LowerCaseLabels()).axes[0]
    assert _ticklabels(ax)[:2] == ["Fall", "Motor-vehicle\ntraffic crash"]


def test_other_and_unknown_come_last_in_a_ranking():
    class CodebookLike(StandInLabels):
        def other_code(self, variable):
            return 13 if variable == "cause" else None

        def missing_codes(self, variable):
            return []

    # "other" (13) holds the largest share, 0.50, yet is drawn after the named causes
    table = cause_table()
    table.loc[table["level"] == 13, "estimate"] = 0.50
    ax = leading_causes(table, lang="en", labels=CodebookLike()).axes[0]
    assert _ticklabels(ax)[0] == "Fall" and _ticklabels(ax)[-1] == "Other"
    top3 = leading_causes(table, lang="en", labels=CodebookLike(), top=3).axes[0]
    assert "Other" not in _ticklabels(top3)


def test_figure_caption_joins_what_source_and_method():
    method = method_note("en", ci_method="beta")
    assert figure_caption("f3", "en", source="Demo Town survey 2026", method=method) == (
        "Injury incidence (%) by age group and sex, with confidence intervals. "
        "Source: Demo Town survey 2026. "
        "Weighted design-based estimates; 95 % CI (Korn–Graubard)."
    )
    assert figure_caption("f4.caption_by_age", "zh", top=5).startswith("各年龄组前5位伤害原因")
    for figure in ("f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "plan"):
        assert figure_caption(figure, "zh") and figure_caption(figure, "en")


def test_weight_distribution_has_a_panel_per_step_with_kish_effect():
    # weights 1, 1, 2, 4: mean 2, variance (1 + 1 + 0 + 4)/4 = 1.5, CV² = 1.5/4 = 0.375 (hand).
    table = pd.DataFrame({"weight_base": [1.0, 1.0, 2.0, 4.0], "weight": [2.0, 2.0, 2.0, 2.0]})
    fig = weight_distribution(table, lang="en")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert len(titles) == 2
    assert "1.375" in titles[0] and "1.000" in titles[1]


def test_as_image_gives_a_png_a_notebook_can_display():
    table = pd.DataFrame({"weight": [1.0, 2.0, 3.0]})
    image = style.as_image(weight_distribution(table, lang="zh"))
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
