"""T22, the data-quality appendix (I16; docs/methods.md §4.6, §4.7, §6.2).

Sections (column ``section``):

- ``response``: household response rates RR1, RR2 and the refusal rate (AAPOR, result codes of
  §2.2; :func:`injury_survey.cleaning.qc.response_rates`);
- ``design_effect``: deff of the headline indicators — incidence (I1) and the episode rate per
  1 000 person-years (I2) — against simple random sampling without replacement (R
  ``deff=TRUE``), the price of clustering and unequal weights;
- ``proxy``: weighted share of persons whose answers came from another household member;
- ``dont_know``: per question, the share of answers "don't know"/refused among the rows asked
  (skip logic of §4.3; :func:`injury_survey.cleaning.qc.item_nonresponse`) and the share
  missing;
- ``case_definition``: share of in-window episodes that fail every case definition (rule E1, a
  sign the screening question was misunderstood).
"""

from __future__ import annotations

import pandas as pd

from injury_survey.cleaning.qc import item_nonresponse, response_rates
from injury_survey.report_tables.core import (
    Table,
    Words,
    finish,
    make_table,
    notes,
    order_columns,
)
from injury_survey.report_tables.designs import (
    ReportData,
)
from injury_survey.report_tables.estimators import (
    person_proportion,
    person_rates,
)

CASE_FLAGS = ("case_cn_halfday", "case_1day", "case_medical")


def quality_table(data: ReportData, words: Words, clean_tables: dict | None = None) -> Table:
    """T22: response, design effects, proxy share, don't-know rates, case-definition failures."""
    settings = data.settings
    parts = []
    if data.households is not None:
        rates = response_rates(data.households).iloc[0]
        eligible = int(rates["n_eligible"])
        for indicator, column in (
            ("response_rate_rr1", "rr1"),
            ("response_rate_rr2", "rr2"),
            ("refusal_rate", "refusal_rate"),
        ):
            parts.append(
                {
                    "section": "response",
                    "item": "households",
                    "indicator": indicator,
                    "unit": "proportion",
                    "estimate": float(rates[column]),
                    "n": eligible,
                }
            )
    frame = pd.DataFrame(parts)

    incidence = person_proportion(data, "injured")
    episodes = person_rates(
        data, {"episodes": data.persons["n_episodes"]}, x="person_years", scale=1000.0
    )
    deffs = pd.DataFrame(
        [
            {
                "section": "design_effect",
                "item": "injury_incidence",
                "indicator": "deff",
                "unit": "ratio",
                "estimate": float(incidence["deff"].iloc[0]),
                "n": int(incidence["n"].iloc[0]),
            },
            {
                "section": "design_effect",
                "item": "episode_rate_per_1000py",
                "indicator": "deff",
                "unit": "ratio",
                "estimate": float(episodes["deff"].iloc[0]),
                "n": int(episodes["n"].iloc[0]),
            },
        ]
    )
    frames = [frame, deffs]

    if "proxy" in data.persons.columns:
        proxy = data.persons["proxy"].astype("boolean").fillna(False).astype(int)
        share = person_proportion(data, proxy)
        share = share.assign(
            section="proxy", item="persons", indicator="proxy_share", unit="proportion"
        )
        frames.append(finish(share, settings))

    tables = clean_tables or {}
    if tables:
        missing = item_nonresponse(tables, words.codebook)
        for row in missing.itertuples():
            # No answer at all (the column absent from the delivery, or delivered empty): the
            # question was not collected, which is not item non-response of 100 %.
            if row.n_asked > 0 and row.n_missing == row.n_asked:
                frames.append(
                    pd.DataFrame(
                        [
                            {
                                "section": "dont_know",
                                "item": f"{row.table}.{row.question}",
                                "indicator": "not_collected",
                                "unit": "count",
                                "estimate": float("nan"),
                                "n": int(row.n_asked),
                            }
                        ]
                    )
                )
                continue
            for indicator, value in (
                ("dk_share", row.dk_refused_rate),
                ("item_missing_share", row.missing_rate),
            ):
                if pd.isna(value):
                    continue
                frames.append(
                    pd.DataFrame(
                        [
                            {
                                "section": "dont_know",
                                "item": f"{row.table}.{row.question}",
                                "indicator": indicator,
                                "unit": "proportion",
                                "estimate": float(value),
                                "n": int(row.n_asked),
                                "n_cases": int(
                                    row.n_dk_refused if indicator == "dk_share" else row.n_missing
                                ),
                            }
                        ]
                    )
                )

    episodes_all = data.all_episodes
    if episodes_all is not None and all(flag in episodes_all for flag in CASE_FLAGS):
        in_window = episodes_all.get("in_window", pd.Series(True, index=episodes_all.index))
        in_window = in_window.astype("boolean").fillna(False).astype(bool)
        fails = ~episodes_all[list(CASE_FLAGS)].astype("boolean").fillna(False).any(axis=1)
        n = int(in_window.sum())
        frames.append(
            pd.DataFrame(
                [
                    {
                        "section": "case_definition",
                        "item": "episodes",
                        "indicator": "case_definition_failures",
                        "unit": "proportion",
                        "estimate": float((fails & in_window).sum() / n) if n else float("nan"),
                        "n": n,
                        "n_cases": int((fails & in_window).sum()),
                    }
                ]
            )
        )
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    out = finish(out, settings)
    # Quality figures describe the data; they are neither suppressed nor "unstable".
    out.loc[out["section"] != "proxy", "flag"] = ""
    out["suppressed"] = False
    for lang in ("zh", "en"):
        out[f"item_{lang}"] = [_item_label(words, item, lang) for item in out["item"]]
    out = order_columns(out, ["section", "item"])
    note = notes(
        words,
        settings,
        ["sample_description", "quality"],
        df=data.base_person_design.degrees_of_freedom,
    )
    return make_table(
        "T22", words, out, note, row_keys=["section", "item", "indicator"], column_keys=()
    )


def _item_label(words: Words, item: str, lang: str) -> str:
    """A question ``table.column`` by its codebook label; indicators by their report name."""
    name = item.split(".", 1)[-1]
    for lookup in (
        lambda: words.codebook.text(f"tables.{name}", lang),
        lambda: words.codebook.variable_label("nature" if name == "nature_1" else name, lang),
        lambda: words.codebook.text(name, lang),
        lambda: words.text("terms", name, lang),
    ):
        try:
            return lookup()
        except (KeyError, AttributeError):
            continue
    return item


def build_quality(data: ReportData, words: Words, clean_tables: dict | None = None) -> dict:
    """The quality notebook's table: T22."""
    table = quality_table(data, words, clean_tables)
    return {table.id: table}
