"""The evaluation's settings (the config's ``evaluation:`` block) and the comparability check
that must pass before waves are compared (docs/methods.md, evaluation)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd


class EvaluationError(ValueError):
    """The evaluation cannot be run as configured (a wave missing, waves not comparable)."""


@dataclass(frozen=True)
class TargetGroup:
    """Residents aged ``age_low``–``age_high`` and injuries of ``causes`` (cause codes)."""

    name: str
    label_zh: str
    label_en: str
    age_low: int
    age_high: int
    causes: tuple[int, ...]


@dataclass(frozen=True)
class EvaluationSettings:
    """The config's ``evaluation:`` block."""

    baseline: str
    followup: str
    comparison_baseline: str | None = None
    comparison_followup: str | None = None
    area_zh: str = "干预地区"
    area_en: str = "intervention area"
    comparison_area_zh: str = "对照地区"
    comparison_area_en: str = "comparison area"
    target_groups: tuple[TargetGroup, ...] = field(default_factory=tuple)
    cpi_factor: float = 1.0
    trend_waves: tuple[str, ...] = ()

    @property
    def has_comparison(self) -> bool:
        return self.comparison_baseline is not None

    @property
    def price_deflators(self) -> dict[str, float]:
        """Divide each wave's costs by this to express them at baseline prices."""
        return {
            wave: (self.cpi_factor if wave in (self.followup, self.comparison_followup) else 1.0)
            for wave in self.waves
        }

    @property
    def waves(self) -> list[str]:
        out = [self.baseline, self.followup]
        if self.has_comparison:
            out += [self.comparison_baseline, self.comparison_followup]
        return out

    @classmethod
    def from_config(cls, config: Mapping) -> EvaluationSettings | None:
        """None when the config has no ``evaluation`` block (nothing to compare)."""
        block = config.get("evaluation") or {}
        if not block.get("baseline"):
            return None
        waves = config["survey"]["waves"]
        named = {k: block.get(k) for k in ("baseline", "followup") if block.get(k)}
        comparison = block.get("comparison") or {}
        named.update({f"comparison_{k}": comparison.get(k) for k in ("baseline", "followup")})
        for key, wave in named.items():
            if wave is not None and wave not in waves:
                raise EvaluationError(
                    f"evaluation.{key.replace('comparison_', 'comparison.')} = {wave!r} is not one of "
                    f"survey.waves {waves}. 评估设置中的调查轮次不在 survey.waves 中：请改正。"
                )
        unknown = [w for w in block.get("trend_waves") or () if w not in waves]
        if unknown:
            raise EvaluationError(
                f"evaluation.trend_waves names {unknown}, not in survey.waves {waves}. "
                "趋势分析的调查轮次不在 survey.waves 中：请改正。"
            )
        if "followup" not in named:
            raise EvaluationError(
                "evaluation.baseline is set but evaluation.followup is not: name the follow-up "
                "wave. 已设置基线轮次，但未设置随访轮次（evaluation.followup）。"
            )
        if (named["comparison_baseline"] is None) != (named["comparison_followup"] is None):
            raise EvaluationError(
                "evaluation.comparison needs both baseline and followup waves. "
                "对照地区需要同时给出基线和随访两轮。"
            )
        groups = tuple(
            TargetGroup(
                name=g["name"],
                label_zh=g["label_zh"],
                label_en=g["label_en"],
                age_low=int(g["ages"][0]),
                age_high=int(g["ages"][1]),
                causes=tuple(int(c) for c in g["causes"]),
            )
            for g in block.get("target_groups", [])
        )
        return cls(
            baseline=named["baseline"],
            followup=named["followup"],
            comparison_baseline=named["comparison_baseline"],
            comparison_followup=named["comparison_followup"],
            area_zh=block.get("area_zh") or config["survey"].get("area_zh") or cls.area_zh,
            area_en=block.get("area_en") or config["survey"].get("area_en") or cls.area_en,
            comparison_area_zh=comparison.get("area_zh", cls.comparison_area_zh),
            comparison_area_en=comparison.get("area_en", cls.comparison_area_en),
            target_groups=groups,
            cpi_factor=float(block.get("cpi_factor", 1.0)),
            trend_waves=tuple(block.get("trend_waves") or ()),
        )


# ---------------------------------------------------------------------- comparability


def check_comparability(
    persons_by_wave: Mapping[str, pd.DataFrame],
    episodes_by_wave: Mapping[str, pd.DataFrame],
    *,
    case_definition: str,
    cause_codes: Sequence[int],
) -> pd.DataFrame:
    """Check that the waves measured the same thing; raise :class:`EvaluationError` if not.

    Settings that are global in the config (case definition, recall, age groups, code lists,
    standard population) are equal by construction; what each wave's *results* carry is checked
    here: the case definition its ``injured`` flag follows, its report age groups, the length of
    its recall windows, and that its causes are codes of the one code list. Returns one row per
    check and wave (``check``, ``wave``, ``value``) for the notebook to show.
    """
    rows = []
    for wave, persons in persons_by_wave.items():
        episodes = episodes_by_wave[wave]
        flag = f"injured_{case_definition}"
        follows = flag in persons and bool((persons[flag] == persons["injured"]).all())
        windows = (
            pd.to_datetime(episodes["window_end"]) - pd.to_datetime(episodes["window_start"])
        ).dt.days
        causes = set(pd.to_numeric(episodes["cause"], errors="coerce").dropna().astype(int))
        rows += [
            {
                "check": "case_definition",
                "wave": wave,
                "value": case_definition if follows else "?",
            },
            {
                "check": "age_groups",
                "wave": wave,
                "value": ", ".join(sorted(persons["age_group"].astype(str).unique())),
            },
            {
                "check": "recall_days",
                "wave": wave,
                "value": ", ".join(str(d) for d in sorted(windows.dropna().unique())) or "—",
            },
            {
                "check": "cause_codes_outside_code_list",
                "wave": wave,
                "value": ", ".join(str(c) for c in sorted(causes - set(cause_codes))) or "none",
            },
        ]
    table = pd.DataFrame(rows)
    for check, part in table.groupby("check", sort=False):
        values = dict(zip(part["wave"], part["value"], strict=True))
        first_wave, first = next(iter(values.items()))
        for wave, value in values.items():
            bad = value == "?" or value != first
            if check == "cause_codes_outside_code_list":
                bad = value != "none"
            if bad:
                raise EvaluationError(
                    f"Waves are not comparable on {check}: {first_wave} has {first!r}, {wave} has "
                    f"{value!r}. Rerun the waves with the same settings (config case_definition, "
                    "recall, age_groups, codebook) or map the codes first. "
                    f"各轮调查不可比（{check}）：{first_wave} 为 {first!r}，{wave} 为 {value!r}；"
                    "请用相同设置重新分析各轮，或先做编码对照。"
                )
    return table
