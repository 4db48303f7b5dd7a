"""The cleaning rule table: every check of docs/methods.md §4.1–§4.4 as data.

A :class:`Rule` names the table it checks, the column it points at, its severity, a plain message
in English and Chinese saying what to check, and a ``check(tables, context)`` function that returns
a boolean Series over that table's rows (True = the row breaks the rule). A check may instead
return a boolean DataFrame with one column per field it looks at (rules that compare several fields,
such as the double-entry check K7); each True cell becomes one issue naming that field.

Severity follows the spec: ``error`` sets the row aside (the engine rejects it, with its household,
see :mod:`injury_survey.cleaning.engine`), ``warn`` keeps the row and lists it in the QC report.
A check that cannot run on the data at hand (no birth dates, no second entry pass, no code list in
the codebook) raises :class:`SkipRule`; the engine records "skipped" and the reason in its summary.

Adding a rule is one entry in :func:`build_rules` plus one check function in
:mod:`injury_survey.cleaning.checks`. Rule IDs follow the
spec: K1–K7 keys and duplicates (§4.1); ``R_*`` range and code checks (§4.2); S1–S16 skip logic
(§4.3); D1–D4 dates, A1–A5 age coherence, C1–C10 injury coherence, E1 case definition (§4.4).
Code numbers are the NISS-based lists of §2.7 (cause 1 motor-vehicle traffic, 2 non-motor traffic,
3 fall, …; verify against the card edition of your questionnaire, §10); code sets the codebook
defines as groups (``codebook.group("cause", "traffic")``) take precedence.
"""

from __future__ import annotations

from dataclasses import dataclass

from injury_survey.cleaning import checks
from injury_survey.cleaning.checks import (
    CODEBOOK_VARIABLE,
    CODED_FIELDS,
    ID_COLUMNS,
    REQUIRED_FIELDS,
    Check,
    RuleContext,
    SkipRule,
    other_code,
)

__all__ = [
    "CODEBOOK_VARIABLE",
    "CODED_FIELDS",
    "ID_COLUMNS",
    "REQUIRED_FIELDS",
    "RULES",
    "Rule",
    "RuleContext",
    "SkipRule",
    "build_rules",
    "other_code",
]


@dataclass(frozen=True)
class Rule:
    """One cleaning rule. ``requires`` lists ``"table"`` or ``"table.column"`` it cannot run without."""

    id: str
    table: str
    severity: str
    column: str
    message_en: str
    message_zh: str
    check: Check
    requires: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.id, self.table, self.column)


# --------------------------------------------------------------------------------------------
# The registry


def build_rules() -> tuple[Rule, ...]:
    """Every rule of docs/methods.md §4.1–§4.4, in the order of the spec."""
    E, W = "error", "warn"
    rules: list[Rule] = []

    def add(id, table, severity, column, en, zh, check, requires=()):
        rules.append(Rule(id, table, severity, column, en, zh, check, tuple(requires)))

    # K1: keys unique, foreign keys resolve.
    for table, noun_en, noun_zh in (
        ("households", "household", "户"),
        ("persons", "person", "成员"),
        ("episodes", "injury episode", "伤害个案"),
        ("deaths", "death record", "死亡记录"),
    ):
        key = ID_COLUMNS[table]
        add(
            "K1",
            table,
            E,
            key,
            f"The {noun_en} ID {key} appears on more than one row: give each {noun_en} its own ID "
            "or delete the duplicate row.",
            f"{noun_zh}编号 {key} 重复出现在多行：请为每条{noun_zh}记录编唯一编号，或删除重复行。",
            checks.duplicated_id(table),
            requires=[table],
        )
    add(
        "K1",
        "persons",
        E,
        "hh_id",
        "This person's hh_id matches no household in households.csv: check the household ID.",
        "该成员的户编号 hh_id 在户表中找不到：请核对户编号。",
        checks.orphan("persons", "hh_id", "households", "hh_id"),
    )
    add(
        "K1",
        "episodes",
        E,
        "person_id",
        "This episode's person_id matches no person in persons.csv: check the person ID.",
        "该伤害个案的成员编号 person_id 在成员表中找不到：请核对成员编号。",
        checks.orphan("episodes", "person_id", "persons", "person_id"),
    )
    add(
        "K1",
        "deaths",
        E,
        "hh_id",
        "This death record's hh_id matches no household in households.csv: check the household ID.",
        "该死亡记录的户编号 hh_id 在户表中找不到：请核对户编号。",
        checks.orphan("deaths", "hh_id", "households", "hh_id"),
        requires=["deaths"],
    )
    add(
        "K1",
        "households",
        E,
        "psu_id",
        "This household is not in the frozen sample list (sample.csv), is listed there under "
        "another PSU, or its psu_id is not in the sampling frame (psus.csv): check hh_id and "
        "psu_id against the sample list issued to the field team.",
        "该户不在已冻结的样本名单（sample.csv）中、名单中所属居委会/村不同，或其 psu_id 不在抽样框"
        " (psus.csv) 中：请对照发给调查队的样本名单核对 hh_id 和 psu_id。",
        checks.check_household_design_link,
    )
    add(
        "K2",
        "households",
        E,
        "hh_size_reported",
        "The reported household size differs from the number of person rows for this household: "
        "add the missing members or correct hh_size_reported.",
        "登记的常住人口数与成员表中该户的人数不一致：请补录遗漏成员或更正 hh_size_reported。",
        checks.check_household_size,
    )
    add(
        "K3",
        "households",
        E,
        "relation",
        "This household does not have exactly one head (relation = 1) among its members: "
        "check the relation codes of the roster.",
        "该户成员中户主 (relation = 1) 不是恰好一人：请核对成员与户主关系代码。",
        checks.check_one_head,
        requires=["persons.relation"],
    )
    add(
        "K4",
        "households",
        W,
        "roster",
        "Possible duplicate household: same address, or same members (sex and birth date) as "
        "another household. Check whether the dwelling was interviewed twice.",
        "可能重复调查的户：地址或成员构成（性别和出生日期）与另一户相同。请核实是否重复入户。",
        checks.check_duplicate_households,
    )
    add(
        "K5",
        "episodes",
        W,
        "injury_date",
        "Possible duplicate episode: same person, cause and nature within 3 days of an earlier "
        "row (often one event reported twice, e.g. ER visit then follow-up). Keep one if so.",
        "可能重复的伤害个案：同一人、同一原因和性质、日期与前一条相差不超过3天"
        "（常为同一次伤害报告两次，如急诊后复诊）。如是请只保留一条。",
        checks.check_duplicate_episodes,
        requires=["episodes.injury_date", "episodes.nature_1"],
    )
    add(
        "K6",
        "persons",
        E,
        "n_episodes_12m",
        "The number of injuries reported (n_episodes_12m) differs from the number of episode "
        "forms for this person: add the missing forms or correct the number.",
        "报告的受伤次数（n_episodes_12m）与该成员的伤害个案表份数不一致：请补录个案表或更正次数。",
        checks.check_episode_count,
        requires=["persons.n_episodes_12m"],
    )
    for table in ("households", "persons", "episodes"):
        add(
            "K7",
            table,
            W,
            "(fields)",
            "The two data-entry passes differ in this field: check the paper questionnaire.",
            "两次录入的该字段不一致：请核对纸质问卷。",
            checks.double_entry(table),
            requires=[f"{table}_pass2"],
        )

    # R: ranges (§4.2).
    for rule_id, table, column, low, high, severity, en, zh in (
        ("R_AGE", "persons", "age_years", 0, 110, E, "Age must be 0–110 years", "年龄应在0–110岁"),
        (
            "R_MONTHS_PRESENT",
            "persons",
            "months_present_12m",
            0,
            12,
            E,
            "Months present in the last 12 months must be 0–12",
            "近12个月居住月数应在0–12",
        ),
        (
            "R_HH_SIZE",
            "households",
            "hh_size_reported",
            1,
            20,
            E,
            "Household size must be 1–20",
            "常住人口数应在1–20",
        ),
        (
            "R_HH_SIZE_HIGH",
            "households",
            "hh_size_reported",
            None,
            10,
            W,
            "Household size above 10 is unusual",
            "常住人口数超过10人较少见",
        ),
        (
            "R_N_EPISODES",
            "persons",
            "n_episodes_12m",
            0,
            20,
            E,
            "Number of injuries in 12 months must be 0–20",
            "近12个月受伤次数应在0–20",
        ),
        (
            "R_N_EPISODES_HIGH",
            "persons",
            "n_episodes_12m",
            None,
            5,
            W,
            "More than 5 injuries in 12 months is unusual",
            "近12个月伤害超过5次较少见",
        ),
        (
            "R_DAYS_OFF",
            "episodes",
            "days_off",
            0,
            365,
            E,
            "Days off must be 0–365",
            "休工/休学/休息天数应在0–365",
        ),
        (
            "R_DAYS_OFF_HIGH",
            "episodes",
            "days_off",
            None,
            180,
            W,
            "More than 180 days off is unusual",
            "休息天数超过180天较少见",
        ),
        (
            "R_HOSPITAL_DAYS",
            "episodes",
            "hospital_days",
            0,
            365,
            E,
            "Days in hospital must be 0–365",
            "住院天数应在0–365",
        ),
        (
            "R_INJURY_HOUR",
            "episodes",
            "injury_hour",
            0,
            23,
            E,
            "Hour of injury must be 0–23",
            "伤害发生时间（时）应在0–23",
        ),
        (
            "R_INJURY_MINUTE",
            "episodes",
            "injury_minute",
            0,
            59,
            E,
            "Minute of injury must be 0–59",
            "伤害发生时间（分）应在0–59",
        ),
        (
            "R_N_VISITS",
            "households",
            "n_visits",
            1,
            3,
            W,
            "Number of visits is expected to be 1–3",
            "入户次数一般为1–3次",
        ),
    ):
        add(
            rule_id,
            table,
            severity,
            column,
            f"{en}: check the questionnaire and correct the value.",
            f"{zh}：请核对问卷并更正。",
            checks.range_check(table, column, low, high),
            requires=[f"{table}.{column}"],
        )
    add(
        "R_DAYS_OFF_STEP",
        "episodes",
        W,
        "days_off",
        "Days off are recorded in steps of half a day (0, 0.5, 1, 1.5, …): check the value.",
        "休息天数应以半天为单位记录（0、0.5、1、1.5…）：请核对。",
        checks.check_days_off_step,
        requires=["episodes.days_off"],
    )
    add(
        "R_COST",
        "episodes",
        E,
        "(costs)",
        "Costs cannot be negative: correct the amount.",
        "费用不能为负数：请更正金额。",
        checks.check_cost_negative,
    )
    add(
        "R_COST_HIGH",
        "episodes",
        W,
        "(costs)",
        "Very high cost (over 200 000 yuan, or over 3 times the 99th percentile): check the "
        "amount and its unit.",
        "费用异常高（超过20万元，或超过第99百分位数的3倍）：请核对金额及单位。",
        checks.check_cost_high,
    )
    for table, columns in REQUIRED_FIELDS.items():
        for column in columns:
            add(
                "R_REQUIRED",
                table,
                E,
                column,
                f"{column} is required and is empty: fill it in from the questionnaire.",
                f"{column} 为必填项但为空：请根据问卷补录。",
                checks.required(table, column),
                requires=[f"{table}.{column}"],
            )
    for table, columns in CODED_FIELDS.items():
        for column in columns:
            add(
                "R_CODE",
                table,
                E,
                column,
                f"{column} holds a code that is not in the codebook: check the code list "
                "printed on the questionnaire.",
                f"{column} 的代码不在编码表中：请对照问卷上的代码表核对。",
                checks.in_codebook(table, column),
                requires=[table, f"{table}.{column}"],
            )

    # S: skip logic (§4.3).
    add(
        "S1",
        "persons",
        E,
        "injured_12m",
        "Answered 'not injured' (injured_12m = 2) but has injuries counted or episode forms: "
        "check the screening answer.",
        "筛查回答“未受伤”（injured_12m = 2）却有受伤次数或个案表：请核对筛查问题。",
        checks.check_not_injured_with_episodes,
    )
    add(
        "S2",
        "persons",
        E,
        "injured_12m",
        "Answered 'injured' (injured_12m = 1) but has no episode form: add the form(s).",
        "筛查回答“受伤”（injured_12m = 1）但没有伤害个案表：请补录个案表。",
        checks.check_injured_without_episodes,
    )
    add(
        "S3",
        "persons",
        E,
        "n_episodes_12m",
        "Answered 'injured' but the number of injuries (n_episodes_12m) is empty: fill it in.",
        "筛查回答“受伤”但受伤次数（n_episodes_12m）为空：请补录。",
        checks.check_injured_count_missing,
        requires=["persons.n_episodes_12m"],
    )
    add(
        "S4",
        "episodes",
        E,
        "(traffic)",
        "Traffic injury (cause 1 or 2) with a traffic question left empty: fill in road-user "
        "role, vehicle, counterpart and safety device.",
        "道路交通伤（原因1或2）的交通相关问题有空项：请补录伤者身份、交通工具、对方及安全装置。",
        checks.check_traffic_fields_missing,
    )
    add(
        "S5",
        "episodes",
        E,
        "(traffic)",
        "Traffic questions answered although the cause is not traffic: check the cause or "
        "clear the traffic answers.",
        "伤害原因不是交通伤，却填写了交通相关问题：请核对原因或清空交通项。",
        checks.check_traffic_fields_not_skipped,
    )
    add(
        "S6",
        "episodes",
        E,
        "(fall)",
        "Fall (cause 3) with a fall question left empty: fill in fall type and reason.",
        "跌倒/坠落（原因3）的跌倒相关问题有空项：请补录跌倒类型和原因。",
        checks.check_fall_fields_missing,
    )
    add(
        "S7",
        "episodes",
        E,
        "(fall)",
        "Fall questions answered although the cause is not a fall: check the cause or clear "
        "the fall answers.",
        "伤害原因不是跌倒，却填写了跌倒相关问题：请核对原因或清空跌倒项。",
        checks.check_fall_fields_not_skipped,
    )
    add(
        "S8",
        "episodes",
        E,
        "hospital_days",
        "Inpatient care (care_level = 3) needs at least 1 day in hospital: fill in hospital_days.",
        "住院 (care_level = 3) 的住院天数应至少为1天：请补录 hospital_days。",
        checks.check_inpatient_without_days,
    )
    add(
        "S9",
        "episodes",
        E,
        "hospital_days",
        "Days in hospital recorded although the person was not admitted (care_level < 3): "
        "check the care level or clear hospital_days.",
        "未住院 (care_level < 3) 却填写了住院天数：请核对就医情况或清空 hospital_days。",
        checks.check_hospital_days_not_inpatient,
        requires=["episodes.hospital_days"],
    )
    add(
        "S10",
        "episodes",
        E,
        "cause_other_text",
        "Cause is 'other' (13) but the description is empty: write what happened.",
        "伤害原因为“其他”（13）但未填写具体说明：请填写。",
        checks.check_cause_other_text,
    )
    add(
        "S11",
        "episodes",
        E,
        "nature_other_text",
        "Nature of injury is 'other' but the description is empty: write the injury.",
        '伤害性质为"其他"但未填写具体说明：请填写。',
        checks.check_nature_other_text,
        requires=["episodes.nature_other_text"],
    )
    add(
        "S12",
        "persons",
        E,
        "education",
        "Education is required from age 6: fill it in.",
        "6岁及以上须填写文化程度：请补录。",
        checks.check_education_missing,
        requires=["persons.education"],
    )
    add(
        "S13",
        "persons",
        E,
        "marital",
        "Marital status is required from age 15: fill it in.",
        "15岁及以上须填写婚姻状况：请补录。",
        checks.check_marital_missing,
        requires=["persons.marital"],
    )
    add(
        "S14",
        "persons",
        E,
        "hh_id",
        "Person listed for a household that was not interviewed (result_code not 1 or 2): "
        "check the household's result code.",
        "该成员所在户未完成调查（结果代码不是1或2），却有成员记录：请核对该户的调查结果代码。",
        checks.check_person_of_nonresponding_household,
    )
    add(
        "S15",
        "households",
        E,
        "interview_date",
        "Interview date is required for a completed or partly completed household: fill it in.",
        "完成或部分完成的户须填写调查日期：请补录。",
        checks.check_interview_date_missing,
    )
    add(
        "S16",
        "households",
        E,
        "hh_size_reported",
        "Household size is required for a completed or partly completed household: fill it in.",
        "完成或部分完成的户须填写常住人口数：请补录。",
        checks.check_household_size_missing,
        requires=["households.hh_size_reported"],
    )

    # D: dates.
    add(
        "D1",
        "episodes",
        E,
        "injury_date",
        "Injury date is after the interview date: check both dates.",
        "伤害发生日期晚于调查日期：请核对两个日期。",
        checks.check_injury_after_interview,
        requires=["episodes.injury_date"],
    )
    add(
        "D2",
        "episodes",
        W,
        "injury_date",
        "Injury before the recall window: kept for the recall diagnostics but not counted in "
        "the rates. Check the date if the respondent reported it as within 12 months.",
        "伤害发生在回顾期之前：保留用于回忆偏倚分析，但不计入发生率。如应答者称在12个月内，请核对日期。",
        checks.check_out_of_window,
        requires=["episodes.in_window"],
    )
    add(
        "D2_DATE_UNKNOWN",
        "episodes",
        W,
        "injury_date",
        "Injury date unknown: counted as inside the recall window because the screening "
        "question covered the last 12 months. Ask for at least the month if possible.",
        "伤害日期不详：因筛查问题限定近12个月，按回顾期内计。如可能请补问至少月份。",
        checks.check_injury_date_unknown,
        requires=["episodes.injury_date"],
    )
    add(
        "D3",
        "episodes",
        E,
        "injury_date",
        "Injury date is before the person's birth date: check both dates.",
        "伤害发生日期早于出生日期：请核对两个日期。",
        checks.check_injury_before_birth,
        requires=["episodes.injury_date", "persons.birth_date"],
    )
    add(
        "D3",
        "episodes",
        E,
        "death_date",
        "The matching death record's date is before the injury date: check both dates.",
        "对应死亡记录的死亡日期早于伤害日期：请核对两个日期。",
        checks.check_death_before_injury,
        requires=["deaths", "episodes.injury_date"],
    )
    add(
        "D4",
        "persons",
        W,
        "age_years",
        "Age differs by more than 1 year from the age computed from the birth date: check both.",
        "年龄与按出生日期计算的年龄相差超过1岁：请核对。",
        checks.check_age_vs_birth_date,
        requires=["persons.birth_date"],
    )

    # A: age vs socio-demographics (warn).
    add(
        "A1",
        "persons",
        W,
        "(education/occupation)",
        "Under age 6 the codes should be 'pre-school child' (education 1, occupation 1), and "
        "occupation 'pre-school child' is unlikely above age 7: check age and codes.",
        '6岁以下应为"未上学儿童"（文化程度1、职业1），7岁以上不应为"学龄前儿童"：请核对年龄和代码。',
        checks.check_young_child_education_occupation,
    )
    add(
        "A2",
        "persons",
        W,
        "occupation",
        "Student (occupation 2) younger than 5 or older than 30: check age and occupation.",
        "在校学生（职业2）年龄小于5岁或大于30岁：请核对年龄和职业。",
        checks.check_student_age,
    )
    add(
        "A3",
        "persons",
        W,
        "occupation",
        "Employed occupation (codes 6–11) under age 16 (minimum working age): check.",
        "16岁以下（最低就业年龄）却为在业职业（代码6–11）：请核对。",
        checks.check_working_child,
    )
    add(
        "A3",
        "episodes",
        W,
        "activity",
        "Injured during paid work (activity 1) under age 16: check age and activity.",
        "16岁以下在有偿工作（活动1）时受伤：请核对年龄和活动。",
        checks.check_working_child_episode,
        requires=["episodes.age_at_injury"],
    )
    add(
        "A4",
        "persons",
        W,
        "(occupation/education)",
        "Retired (occupation 5) under age 45, or college education (6+) under age 18: check.",
        "45岁以下为离退休（职业5），或18岁以下为大专及以上文化：请核对。",
        checks.check_retired_or_graduate_young,
    )
    add(
        "A5",
        "persons",
        W,
        "(marital/relation)",
        "Married below the legal age (women 20, men 22), a child of the head older than the "
        "head, or a spouse under 18: check ages, marital status and relation codes.",
        "低于法定婚龄（女20岁、男22岁）已婚，子女年龄大于户主，或配偶不满18岁：请核对年龄、婚姻状况和关系代码。",
        checks.check_marriage_and_relations,
    )

    # C: injury coherence (warn).
    add(
        "C1",
        "episodes",
        W,
        "place",
        "Traffic injury (cause 1 or 2) but the place is not street/highway (5): check the place.",
        "交通伤（原因1或2）但发生地点不是公路/街道（5）：请核对地点。",
        checks.check_traffic_place,
    )
    add(
        "C2",
        "episodes",
        W,
        "activity",
        "Traffic injury but the activity is neither driving/riding (7) nor walking (8): check.",
        "交通伤但活动既不是驾乘交通工具（7）也不是步行（8）：请核对。",
        checks.check_traffic_activity,
    )
    add(
        "C3",
        "episodes",
        W,
        "body_part",
        "Suffocation, drowning or poisoning (cause 8, 9, 10) but the body part is not "
        "'whole body' (6): check.",
        '窒息、溺水或中毒（原因8、9、10）但受伤部位不是"全身广泛受伤"（6）：请核对。',
        checks.check_breathing_body_part,
    )
    add(
        "C4",
        "episodes",
        W,
        "(cause/nature)",
        "Burn cause (7) without burn nature (5), or burn nature without burn cause: check.",
        "原因为烧烫伤（7）但性质不是烧烫伤（5），或性质为烧烫伤而原因不是：请核对。",
        checks.check_burn_cause_nature,
    )
    add(
        "C5",
        "episodes",
        W,
        "intent",
        "Sexual assault (cause 12) but the intent is not assault (3): check.",
        "性侵犯（原因12）但意图不是故意/攻击（3）：请核对。",
        checks.check_sexual_assault_intent,
    )
    add(
        "C6",
        "episodes",
        W,
        "(intent/nature)",
        "Self-harm (intent 2) under age 10, or animal injury (cause 11) that is neither a bite/"
        "open wound (3) nor a bruise/abrasion (4): check.",
        "10岁以下自残/自杀（意图2），或动物伤（原因11）的性质不是咬伤/开放伤（3）或挫伤/擦伤（4）：请核对。",
        checks.check_self_harm_child_animal_nature,
        requires=["episodes.age_at_injury"],
    )
    add(
        "C7",
        "episodes",
        W,
        "care_level",
        "Fracture never seen by a doctor (care_level below 2): check the nature and the care.",
        "骨折却未就医（care_level 小于2）：请核对伤害性质和就医情况。",
        checks.check_fracture_without_care,
    )
    add(
        "C8",
        "episodes",
        W,
        "days_off",
        "Admitted to hospital but fewer days off than days in hospital: check both numbers.",
        "住院但休息天数少于住院天数：请核对两个天数。",
        checks.check_inpatient_days_off,
        requires=["episodes.hospital_days"],
    )
    add(
        "C9",
        "episodes",
        W,
        "(outcome/care_level)",
        "Died (care_level 4) without outcome 'died' (4), or outcome 'died' with no matching "
        "row in the deaths module: check outcome, care level and the deaths table.",
        "就医情况为死亡（4）但结局不是死亡（4），或结局为死亡但死亡登记中没有对应记录：请核对。",
        checks.check_death_consistency,
    )
    add(
        "C9",
        "deaths",
        W,
        "hh_id",
        "Injury death with no matching episode (outcome 'died') of a household member of the "
        "same sex and age: check the deaths module and the episode forms.",
        "伤害死亡记录在该户没有对应（同性别、年龄相符、结局为死亡）的伤害个案：请核对。",
        checks.check_death_without_episode,
        requires=["deaths"],
    )
    add(
        "C10",
        "episodes",
        W,
        "place",
        "For information: injured at school (place 3) during school holidays at age 6–18. "
        "Check the place if the school was closed.",
        "提示：6–18岁在学校（地点3）受伤，但日期在寒暑假期间。如学校放假请核对地点。",
        checks.check_school_in_holidays,
        requires=["episodes.age_at_injury"],
    )

    # E: case definition.
    add(
        "E1",
        "episodes",
        W,
        "days_off",
        "Episode meets none of the case definitions (no medical care and less than half a day "
        "off): kept but not counted as an injury. Many such forms mean the screening question "
        "was misunderstood.",
        "该个案不符合任何伤害判定标准（未就医且休息不足半天）：保留但不计为伤害。此类个案多提示筛查问题被误解。",
        checks.check_fails_all_case_definitions,
        requires=["episodes.case_cn_halfday"],
    )
    # K1 and P0–P5: the optional programme tables (docs/input-tables-programme.md).
    from injury_survey.cleaning.programme import programme_rules

    rules.extend(programme_rules(Rule))
    return tuple(rules)


RULES = build_rules()
"""The default rule registry (an immutable tuple)."""
