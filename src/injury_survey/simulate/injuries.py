"""Coherent descriptions of simulated injury episodes (docs/methods.md §2.4, §2.7, §4.4).

Each episode gets a cause drawn from an age- and sex-specific mix (falls 35–45 % overall and the
majority in the elderly; traffic — motor and non-motor, mostly e-bikes — in working-age men;
burns in toddlers; cuts in adults at work and in the kitchen), then the fields that follow from the
cause: place and activity (traffic on the street while riding or walking, C1–C2), the traffic or
fall details, the nature of injury (a burn for a burn, a bite wound for a bite, C4–C6), the body
part, and a severity ladder: the care level (a fracture is always seen by a clinician, C7), the
hospital days (inpatients only) and the days off (at least the hospital days, C8), the medical
cost, and the time to recovery. Minor episodes with no care and no day off — which fail every case
definition (rule E1) — arise naturally, as in real data.

The probabilities are plausible values for a Chinese town, guided by the compositions reported by
the surveys cited in docs/methods.md §5.1 and §6.4 (falls 45 % in Nanshan; e-bikes under
non-motor traffic), not estimates from any one source.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _table(weights: dict) -> tuple[np.ndarray, np.ndarray]:
    codes = np.array(list(weights))
    cum = np.cumsum(np.array(list(weights.values()), dtype=float))
    return codes, cum / cum[-1]


def _pick(rng: np.random.Generator, table: tuple[np.ndarray, np.ndarray]):
    codes, cum = table
    return codes[int(np.searchsorted(cum, rng.random(), side="right").clip(max=len(codes) - 1))]


# Cause mix by age band (and sex for adults). Codes: 1 motor traffic, 2 non-motor traffic, 3 fall,
# 4 blunt, 6 cut, 7 burn, 9 drowning, 10 poisoning, 11 animal bite, 13 other, 14 unknown.
_CAUSES = {
    "0-4": _table({1: 3, 2: 3, 3: 50, 4: 12, 6: 5, 7: 11, 11: 6, 13: 6, 10: 2, 9: 0.6, 14: 0.4}),
    "5-14": _table({1: 5, 2: 7, 3: 42, 4: 18, 6: 8, 7: 3, 11: 7, 13: 8, 10: 0.5, 9: 0.5, 14: 1}),
    "15-44-1": _table({1: 12, 2: 12, 3: 22, 4: 14, 6: 16, 7: 3, 11: 5, 13: 14, 10: 1, 14: 1}),
    "15-44-2": _table({1: 9, 2: 12, 3: 28, 4: 9, 6: 17, 7: 5, 11: 6, 13: 12, 10: 1, 14: 1}),
    "45-64-1": _table({1: 9, 2: 10, 3: 35, 4: 12, 6: 12, 7: 3, 11: 5, 13: 12, 10: 1, 14: 1}),
    "45-64-2": _table({1: 7, 2: 10, 3: 42, 4: 8, 6: 12, 7: 5, 11: 5, 13: 9, 10: 1, 14: 1}),
    "65+": _table({1: 5, 2: 7, 3: 60, 4: 7, 6: 6, 7: 3, 11: 4, 13: 6, 10: 1, 14: 1}),
}

_OTHER_CAUSES = (
    # text, nature table, body-part table
    ("挤压伤(被门或机器夹伤)", _table({4: 60, 1: 15, 3: 25}), _table({2: 85, 3: 15})),
    ("搬重物扭伤", _table({2: 100}), _table({4: 70, 2: 20, 3: 10})),
    ("异物入眼", _table({4: 100}), _table({1: 100})),
)

_NATURE = {
    "traffic": _table({4: 40, 1: 18, 2: 15, 3: 16, 6: 6, 7: 2}),
    "fall": _table({4: 38, 2: 27, 1: 18, 3: 11, 6: 3}),
    "fall_old": _table({4: 32, 1: 33, 2: 22, 3: 8, 6: 4}),
    "blunt": _table({4: 55, 3: 22, 1: 12, 2: 6, 6: 5}),
    "cut": _table({3: 100}),
    "burn": _table({5: 100}),
    "bite": _table({3: 80, 4: 20}),
    "systemic": _table({7: 100}),
    "unknown": _table({4: 70, 2: 30}),
}

_BODY = {
    1: _table({3: 40, 2: 38, 4: 14, 1: 5, 5: 3}),  # fracture
    "fracture_old": _table({3: 42, 2: 33, 4: 20, 1: 5}),
    2: _table({3: 55, 2: 25, 4: 20}),  # sprain
    3: _table({2: 55, 3: 25, 1: 20}),  # open wound
    "cut": _table({2: 85, 3: 10, 1: 5}),
    "bite": _table({3: 55, 2: 45}),
    4: _table({3: 40, 2: 25, 1: 15, 4: 10, 5: 10}),  # bruise
    5: _table({2: 50, 3: 20, 4: 10, 1: 8, 5: 12}),  # burn
    6: _table({1: 100}),  # concussion
    7: _table({4: 100}),  # internal organs
}

# Care level 0 none, 1 self/lay care, 2 outpatient/ER, 3 inpatient, by nature.
_CARE = {
    1: _table({2: 55, 3: 45}),
    2: _table({0: 10, 1: 45, 2: 43, 3: 2}),
    3: _table({0: 3, 1: 35, 2: 60, 3: 2}),
    "bite": _table({1: 15, 2: 85}),  # rabies post-exposure prophylaxis takes people to a clinic
    4: _table({0: 22, 1: 45, 2: 32, 3: 1}),
    5: _table({0: 5, 1: 50, 2: 40, 3: 5}),
    6: _table({2: 70, 3: 30}),
    7: _table({2: 45, 3: 55}),
}

_PLACE_ZH = {1: "在家中", 2: "在养老院", 3: "在学校", 4: "在运动场", 5: "在路上", 6: "在商场/市场",
             7: "在工地/车间", 8: "在田间", 9: "在外面", 10: ""}  # fmt: skip
_ACTIVITY_ZH = {1: "干活", 2: "做家务", 3: "上课", 4: "运动", 5: "玩耍", 6: "洗澡/吃饭",
                7: "骑车/开车", 8: "走路", 9: "不记得做什么"}  # fmt: skip
_NATURE_ZH = {1: "骨折", 2: "扭伤", 3: "划破出血", 4: "擦伤淤青", 5: "烫伤", 6: "脑震荡",
              7: "内伤", 8: "受伤", 9: "受伤"}  # fmt: skip
_BODY_ZH = {1: "头部", 2: "手臂", 3: "腿脚", 4: "腰背", 5: "多处", 6: "全身", 7: "", 8: ""}
_FALL_ZH = {1: "滑倒", 2: "从床上或椅子上摔下", 3: "从游乐设施上摔下", 4: "在楼梯上摔倒",
            5: "从梯子上摔下", 6: "从脚手架上坠落", 7: "从高处坠落", 8: "摔倒", 9: "摔倒"}  # fmt: skip


def _age_key(age: int, sex: int) -> str:
    if age < 5:
        return "0-4"
    if age < 15:
        return "5-14"
    if age >= 65:
        return "65+"
    return f"{'15-44' if age < 45 else '45-64'}-{sex}"


def _hour(rng, activity: int) -> int:
    if activity == 1:
        return int(rng.integers(8, 18))
    if activity in (7, 8):
        return int(
            _pick(
                rng,
                _table({7: 14, 8: 12, 12: 8, 17: 14, 18: 12, 10: 6, 15: 6, 20: 6, 21: 4, 22: 3}),
            )
        )
    if activity == 3:
        return int(rng.integers(8, 17))
    return int(
        _pick(
            rng, _table({h: (3 if 7 <= h <= 21 else 1 if 6 <= h <= 23 else 0.2) for h in range(24)})
        )
    )


def _one_episode(rng: np.random.Generator, age: int, sex: int, occupation: int) -> dict:
    """All fields of one episode for a person of this age, sex and occupation."""
    employed = 6 <= occupation <= 11
    student = occupation == 2
    cause = int(_pick(rng, _CAUSES[_age_key(age, sex)]))
    intent, alcohol = 1, 2
    rec: dict = {"cause": cause, "cause_other_text": None, "traffic_role": None,
                 "traffic_vehicle": None, "traffic_counterpart": None, "safety_device": None,
                 "fall_type": None, "fall_reason": None}  # fmt: skip
    phrase = ""
    if cause in (1, 2):
        place = 5
        if cause == 1:
            if age < 12:
                role = int(_pick(rng, _table({1: 55, 3: 45})))
            elif age < 16 or age >= 80:
                role = int(_pick(rng, _table({1: 50, 3: 30, 2: 20})))
            else:
                role = int(_pick(rng, _table({2: 60, 1: 20, 3: 15, 4: 5})))
            if role == 1:
                vehicle = 1
            elif role == 2:
                vehicle = int(_pick(rng, _table({3: 45, 4: 20, 5: 30, 6: 5})) if age >= 18 else 3)
            else:
                vehicle = int(_pick(rng, _table({5: 75, 3: 15, 4: 10})))
            counterpart = int(
                _pick(
                    rng,
                    _table(
                        {5: 60, 6: 15, 4: 15, 3: 10}
                        if vehicle != 5
                        else {5: 55, 6: 20, 4: 10, 3: 10, 8: 5}
                    ),
                )
            )
        else:
            if age < 10:
                role = int(_pick(rng, _table({1: 40, 3: 60})))
            else:
                role = int(_pick(rng, _table({2: 80, 1: 12, 3: 8})))
            vehicle = (
                1
                if role == 1
                else (2 if age < 14 else int(_pick(rng, _table({3: 75, 2: 25}))))
                if role == 2
                else 3
            )
            counterpart = (
                int(_pick(rng, _table({8: 45, 3: 25, 2: 15, 1: 15})))
                if role != 1
                else int(_pick(rng, _table({3: 70, 2: 30})))
            )
        if vehicle == 5 and role in (2, 3):
            device = int(_pick(rng, _table({1: 70, 3: 25, 4: 5})))
        elif vehicle in (3, 4) and role in (2, 3):
            device = int(_pick(rng, _table({2: 40, 3: 55, 4: 5})))
        else:
            device = int(_pick(rng, _table({3: 90, 4: 10})))
        activity = 8 if role == 1 else 7
        rec.update(
            traffic_role=role,
            traffic_vehicle=vehicle,
            traffic_counterpart=counterpart,
            safety_device=device,
        )
        if sex == 1 and age >= 18 and role == 2 and rng.random() < 0.08:
            alcohol = 1
        vehicle_zh = {
            1: "走路",
            2: "骑自行车",
            3: "骑电动车",
            4: "骑摩托车",
            5: "坐汽车" if role == 3 else "开车",
            6: "开货车",
        }[vehicle]
        phrase = f"{vehicle_zh}时" + (
            "自己摔倒" if counterpart == 8 else "被车撞倒" if role == 1 else "与车相撞"
        )
        nature = int(_pick(rng, _NATURE["traffic"]))
    elif cause == 3:
        old = age >= 65
        if age < 5:
            place = int(_pick(rng, _table({1: 75, 3: 10, 5: 8, 6: 7})))
        elif age < 15:
            place = int(_pick(rng, _table({1: 30, 3: 35, 4: 15, 5: 15, 6: 5})))
        elif employed and rng.random() < 0.30:
            place = int(_pick(rng, _table({7: 70, 6: 20, 8: 10})))
        else:
            place = int(
                _pick(
                    rng,
                    _table(
                        {
                            1: 60 if old else 40,
                            5: 25,
                            6: 8,
                            4: 5 if not old else 1,
                            2: 2 if old else 0.1,
                        }
                    ),
                )
            )
        activity = {1: int(_pick(rng, _table({2: 45, 6: 40, 5: 15}))), 2: 6, 3: 3 if (student and rng.random() < 0.5) else 5,
                    4: 4, 5: 8, 6: 8 if rng.random() < 0.5 else 5, 7: 1, 8: 1}[place]  # fmt: skip
        if place == 3 and not student:
            activity = 5
        if place in (7, 8) and not employed:
            place, activity = 1, 2
        if place == 4:
            fall_type = int(_pick(rng, _table({1: 60, 3: 40})))
        elif place == 7:
            fall_type = int(_pick(rng, _table({1: 40, 5: 20, 6: 25, 7: 5, 4: 10})))
        elif place == 1:
            fall_type = int(
                _pick(rng, _table({1: 50, 2: 25 if (age < 5 or old) else 8, 4: 15, 5: 5, 9: 2}))
            )
        else:
            fall_type = int(_pick(rng, _table({1: 75, 4: 20, 8: 5})))
        if fall_type in (5, 6):
            activity = 1 if place in (7, 8) else 2  # ladders and scaffolds: working or housework
        if old:
            reason = int(_pick(rng, _table({1: 30, 2: 20, 4: 15, 5: 25, 6: 5, 7: 5})))
        elif age < 15:
            reason = int(_pick(rng, _table({1: 25, 2: 35, 3: 15, 4: 20, 7: 5})))
        else:
            reason = int(_pick(rng, _table({1: 40, 2: 25, 4: 30, 7: 5})))
        rec.update(fall_type=fall_type, fall_reason=reason)
        phrase = _FALL_ZH[fall_type]
        nature = int(_pick(rng, _NATURE["fall_old" if old else "fall"]))
    elif cause == 4:
        if sex == 1 and 15 <= age < 50 and rng.random() < 0.15:
            intent = 3
            place = int(_pick(rng, _table({5: 50, 6: 35, 1: 15})))
            activity = 5 if place != 1 else 6
            phrase = "与人发生冲突被打伤"
            if rng.random() < 0.35:
                alcohol = 1
        elif employed and rng.random() < 0.35:
            place, activity, phrase = int(_pick(rng, _table({7: 80, 8: 20}))), 1, "被重物砸伤"
        elif age < 15:
            place = int(_pick(rng, _table({1: 45, 3: 35, 4: 20})))
            activity = {1: 5, 3: 3 if student else 5, 4: 4}[place]
            phrase = "玩耍时碰撞受伤" if activity != 4 else "运动时被球撞伤"
        else:
            place = int(_pick(rng, _table({1: 70, 6: 15, 4: 15})))
            activity = {1: 2, 6: 8, 4: 4}[place]
            phrase = "碰到家具" if place == 1 else "撞到物体"
        nature = int(_pick(rng, _NATURE["blunt"]))
    elif cause == 6:
        if age >= 15 and rng.random() < 0.02:
            intent, place, activity, phrase = 2, 1, 9, "自己用刀割伤"
        elif employed and rng.random() < 0.40:
            place, activity, phrase = int(_pick(rng, _table({7: 75, 6: 25}))), 1, "被工具割伤"
        else:
            place = 1 if age >= 12 else int(_pick(rng, _table({1: 80, 3: 20})))
            activity = 2 if (age >= 12 and place == 1) else 5
            phrase = "切菜时切到手" if activity == 2 else "被玻璃划伤"
        nature = 3
    elif cause == 7:
        place = 1 if rng.random() < 0.9 else (7 if employed else 6)
        activity = (2 if age >= 15 else 5) if place == 1 else (1 if place == 7 else 6)
        phrase = "被开水烫伤" if rng.random() < 0.6 else "被热油烫伤"
        nature = 5
    elif cause == 11:
        place = int(_pick(rng, _table({1: 40, 5: 45, 8: 5 if employed else 0.1, 6: 10})))
        if place == 8 and not employed:
            place = 5
        activity = {1: 5, 5: 8, 8: 1, 6: 8}[place]
        phrase = "被狗咬伤" if rng.random() < 0.8 else "被猫抓伤"
        nature = int(_pick(rng, _NATURE["bite"]))
    elif cause in (9, 10):
        if cause == 10 and age >= 15 and rng.random() < 0.3:
            intent, place, activity, phrase = 2, 1, 9, "服药自伤"
        elif cause == 10:
            place, activity = 1, 6
            phrase = "误服药物中毒" if age < 15 else "煤气中毒"
        else:
            place, activity, phrase = 9, 5, "玩水时溺水被救起"
        nature = 7
    elif cause == 13:
        text, nature_table, body_table = _OTHER_CAUSES[int(rng.integers(len(_OTHER_CAUSES)))]
        rec["cause_other_text"] = text
        phrase = text
        nature = int(_pick(rng, nature_table))
        if employed and rng.random() < 0.5:
            place, activity = 7, 1
        else:
            place, activity = 1, 2 if age >= 15 else 5
    else:  # 14 unknown
        place = int(_pick(rng, _table({1: 50, 5: 30, 10: 20})))
        activity = 9
        phrase = "不清楚怎么受的伤"
        nature = int(_pick(rng, _NATURE["unknown"]))

    if cause in (9, 10):
        body = 6
    elif cause == 13:
        body = int(_pick(rng, body_table))
    elif cause == 6:
        body = int(_pick(rng, _BODY["cut"]))
    elif cause == 11:
        body = int(_pick(rng, _BODY["bite"]))
    elif nature == 1 and age >= 65:
        body = int(_pick(rng, _BODY["fracture_old"]))
    else:
        body = int(_pick(rng, _BODY[nature]))
    if age >= 15 and rng.random() < 0.02 and alcohol == 2:
        alcohol = 3

    care = int(_pick(rng, _CARE["bite" if cause == 11 else nature]))
    hospital_days = None
    if care == 0:
        days_off = float(_pick(rng, _table({0.0: 60, 0.5: 15, 1.0: 15, 2.0: 10})))
    elif care == 1:
        days_off = float(
            _pick(rng, _table({0.0: 30, 0.5: 15, 1.0: 18, 2.0: 12, 3.0: 10, 5.0: 8, 7.0: 7}))
        )
    elif care == 2:
        if nature == 1:
            days_off = float(rng.integers(14, 61))
        else:
            days_off = float(
                _pick(
                    rng,
                    _table(
                        {
                            0.0: 20,
                            0.5: 10,
                            1.0: 15,
                            2.0: 15,
                            3.0: 12,
                            5.0: 10,
                            7.0: 8,
                            14.0: 6,
                            30.0: 4,
                        }
                    ),
                )
            )
    else:
        hospital_days = int(np.clip(round(rng.lognormal(np.log(8), 0.55)), 1, 60))
        extra = rng.integers(14, 91) if nature == 1 else rng.integers(3, 31)
        days_off = float(hospital_days + extra)
    if care == 0:
        cost = 0.0
    elif care == 1:
        cost = 0.0 if rng.random() < 0.4 else float(round(rng.lognormal(np.log(50), 0.7)))
    elif care == 2:
        median = 2500 if nature == 1 else 300 if cause == 11 else 400
        cost = float(round(rng.lognormal(np.log(median), 0.7), -1))
    else:
        cost = float(round(rng.lognormal(np.log(15000 if nature == 1 else 9000), 0.6), -1))
    recovery = int(days_off + (rng.integers(7, 61) if care >= 2 else rng.integers(1, 8)))
    disability = bool(care == 3 and rng.random() < (0.15 if age >= 65 else 0.06))

    care_zh = {0: "", 1: "，自己在家处理", 2: "，去医院门诊处理", 3: f"，住院{hospital_days}天"}[
        care
    ]
    place_zh = _PLACE_ZH[place]
    doing = _ACTIVITY_ZH[activity] if activity not in (7, 8, 9) and cause not in (1, 2) else ""
    narrative = f"{place_zh}{doing + '时' if doing else ''}{phrase}，{_BODY_ZH[body]}{_NATURE_ZH[nature]}{care_zh}"
    rec.update(
        injury_hour=_hour(rng, activity),
        intent=intent,
        place=place,
        activity=activity,
        nature_1=nature,
        body_part=body,
        care_level=care,
        hospital_days=hospital_days,
        days_off=days_off,
        cost_medical=cost,
        alcohol=alcohol if age >= 15 else None,
        narrative=narrative,
        recovery_days=recovery,
        disability=disability,
    )
    return rec


def describe_injuries(
    rng: np.random.Generator,
    *,
    person_key: np.ndarray,
    injury_date: pd.Series,
    age: np.ndarray,
    sex: np.ndarray,
    occupation: np.ndarray,
) -> pd.DataFrame:
    """The fields of docs/methods.md §2.4 for each simulated episode, plus truth columns.

    Truth columns: ``recovery_days`` (days from injury to recovery), ``disability`` (residual
    disability) and the case flags ``case_cn_halfday`` (care level ≥ 2 or ≥ 0.5 day off),
    ``case_1day`` (care level ≥ 2 or ≥ 1 day off) and ``case_medical`` (care level ≥ 2) of §1.
    """
    records = [
        _one_episode(rng, int(a), int(s), int(o))
        for a, s, o in zip(age, sex, occupation, strict=True)
    ]
    columns = [
        "injury_hour", "cause", "cause_other_text", "intent", "place", "activity", "nature_1",
        "body_part", "care_level", "hospital_days", "days_off", "cost_medical", "traffic_role",
        "traffic_vehicle", "traffic_counterpart", "safety_device", "fall_type", "fall_reason",
        "alcohol", "narrative", "recovery_days", "disability",
    ]  # fmt: skip
    out = pd.DataFrame(records, columns=columns)
    for column in ("injury_hour", "cause", "intent", "place", "activity", "nature_1", "body_part",
                   "care_level", "hospital_days", "traffic_role", "traffic_vehicle",
                   "traffic_counterpart", "safety_device", "fall_type", "fall_reason", "alcohol"):  # fmt: skip
        out[column] = pd.array(out[column], dtype="Int64")
    out["cause_other_text"] = out["cause_other_text"].astype("str")
    out.insert(0, "person_key", np.asarray(person_key, dtype=int))
    out.insert(1, "injury_date", pd.Series(injury_date).to_numpy())
    medical = out["care_level"] >= 2
    out["case_cn_halfday"] = (medical | (out["days_off"] >= 0.5)).astype(bool)
    out["case_1day"] = (medical | (out["days_off"] >= 1)).astype(bool)
    out["case_medical"] = medical.astype(bool)
    return out
