"""Tests of the intake of survey tables (docs/input-tables.md; docs/methods.md §2, §4.2, §4.6).

The fixtures are small tables written inline; every expected value below is read off the
fixture text by hand (codes from docs/methods.md §2.3/§2.7, spreadsheet row = line number of
the CSV, header = row 1).
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from injury_survey.codebook import load_codebook
from injury_survey.intake import (
    IntakeError,
    load_survey,
    load_table,
    looks_like_id_card,
    looks_like_mobile,
    parse_partial_date,
    read_table,
)


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


# Line numbers (= spreadsheet rows): header 1, P001-01 2, P001-02 3, a row of empty cells 4,
# P001-03 5, an empty line 6, P002-01 7.
PERSONS_CSV = """\
person_id,hh_id,line,relation,sex,age_years,birth_date,residence_status,months_present_12m,education,occupation,marital,respondent_type,injured_12m,n_episodes_12m
P001-01,H001,1,户主,男,45,1980-05,1,12,初中,8,已婚/同居,本人,1,2
P001-02,H001,2,配偶,女,43,1982/3/7,1,12,4,3,2,代答,否,0
,,,,,,,,,,,,,,
P001-03,H001,3,子女,2,10,不详,1,12,小学,在校学生,,2,不知道,

P002-01,H002,1,1,1,70,1955,常住,6,文盲/半文盲,离退休人员,丧偶,1,2,0
"""


def expected_persons() -> pd.DataFrame:
    """PERSONS_CSV typed by hand with the codes of docs/methods.md §2.3."""
    na = pd.NA
    return pd.DataFrame(
        {
            "person_id": pd.Series(["P001-01", "P001-02", "P001-03", "P002-01"], dtype="str"),
            "hh_id": pd.Series(["H001", "H001", "H001", "H002"], dtype="str"),
            "line": pd.array([1, 2, 3, 1], dtype="Int64"),
            # 户主 1, 配偶 2, 子女 3
            "relation": pd.array([1, 2, 3, 1], dtype="Int64"),
            # 男 1, 女 2
            "sex": pd.array([1, 2, 2, 1], dtype="Int64"),
            "age_years": pd.array([45, 43, 10, 70], dtype="Int64"),
            # 1980-05 month, 1982/3/7 day, 不详 unknown, 1955 year; first day of the period
            "birth_date": pd.Series(
                [dt.datetime(1980, 5, 1), dt.datetime(1982, 3, 7), None, dt.datetime(1955, 1, 1)],
                dtype="datetime64[ns]",
            ),
            "birth_date_precision": pd.Series(["month", "day", "unknown", "year"], dtype="str"),
            # 常住 1
            "residence_status": pd.array([1, 1, 1, 1], dtype="Int64"),
            "months_present_12m": pd.array([12, 12, 12, 6], dtype="Int64"),
            # 初中 4, 小学 3, 文盲/半文盲 2
            "education": pd.array([4, 4, 3, 2], dtype="Int64"),
            # 在校学生 2, 离退休人员 5
            "occupation": pd.array([8, 3, 2, 5], dtype="Int64"),
            # 已婚/同居 2, 丧偶 4
            "marital": pd.array([2, 2, na, 4], dtype="Int64"),
            # not in the file: added, all missing
            "hukou": pd.array([na, na, na, na], dtype="Int64"),
            # 本人 1, 代答 2
            "respondent_type": pd.array([1, 2, 2, 1], dtype="Int64"),
            # 否 2, 不知道 8
            "injured_12m": pd.array([1, 2, 8, 2], dtype="Int64"),
            "n_episodes_12m": pd.array([2, 0, na, 0], dtype="Int64"),
            "source_row": pd.array([2, 3, 5, 7], dtype="Int64"),
        }
    )


def write_persons_xlsx(path, *, first_sheet: str | None = None) -> None:
    """PERSONS_CSV as a workbook typed the way Excel users type: numbers, a date cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    if first_sheet is not None:
        sheet.title = first_sheet
        sheet["A1"] = "说明: 见第二页"
        sheet = book.create_sheet("Persons")
    rows = {
        1: PERSONS_CSV.splitlines()[0].split(","),
        2: ["P001-01", "H001", 1, "户主", "男", 45, "1980-05", 1, 12, "初中", 8, "已婚/同居", "本人", 1, 2],
        3: ["P001-02", "H001", 2, "配偶", "女", 43, dt.datetime(1982, 3, 7), 1, 12, 4, 3, 2, "代答", "否", 0],
        5: ["P001-03", "H001", 3, "子女", 2, 10, "不详", 1, 12, "小学", "在校学生", None, 2, "不知道", None],
        7: ["P002-01", "H002", 1, 1, 1, 70, 1955, "常住", 6.0, "文盲/半文盲", "离退休人员", "丧偶", 1, 2, 0],
    }  # fmt: skip
    for row, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    book.save(path)


class TestEncodingsAndFormats:
    @pytest.mark.parametrize(
        ("encoding", "reported"),
        [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")],
    )
    def test_csv_encodings_give_the_same_typed_frame(self, tmp_path, codebook, encoding, reported):
        (tmp_path / "persons.csv").write_bytes(PERSONS_CSV.encode(encoding))
        intake = load_table("persons.csv", "persons", codebook, survey_dir=tmp_path)
        assert intake.encoding == reported
        assert intake.n_rows == 4
        assert intake.issues.empty
        pd.testing.assert_frame_equal(intake.data.drop(columns="source_file"), expected_persons())
        assert (intake.data["source_file"] == "persons.csv").all()
        assert intake.absent_columns == ["hukou"]

    def test_xlsx_gives_the_same_typed_frame(self, tmp_path, codebook):
        write_persons_xlsx(tmp_path / "persons.xlsx")
        intake = load_table("persons.xlsx", "persons", codebook, survey_dir=tmp_path)
        assert intake.encoding == "xlsx"
        assert intake.issues.empty
        pd.testing.assert_frame_equal(intake.data.drop(columns="source_file"), expected_persons())

    def test_xlsx_named_sheet(self, tmp_path, codebook):
        write_persons_xlsx(tmp_path / "book.xlsx", first_sheet="说明")
        intake = load_table("book.xlsx#Persons", "persons", codebook, survey_dir=tmp_path)
        pd.testing.assert_frame_equal(intake.data.drop(columns="source_file"), expected_persons())
        assert intake.source_file == "book.xlsx#Persons"
        assert (intake.data["source_file"] == "book.xlsx#Persons").all()

    def test_xlsx_unknown_sheet_lists_sheets(self, tmp_path, codebook):
        write_persons_xlsx(tmp_path / "book.xlsx", first_sheet="说明")
        with pytest.raises(IntakeError, match=r"no sheet 'People'.*'说明', 'Persons'"):
            load_table("book.xlsx#People", "persons", codebook, survey_dir=tmp_path)

    def test_xlsx_sheet_without_the_columns_lists_the_other_sheets(self, tmp_path, codebook):
        # Without "#Persons" the first sheet (a note) is read: say which sheets there are.
        write_persons_xlsx(tmp_path / "book.xlsx", first_sheet="说明")
        with pytest.raises(IntakeError) as err:
            load_table("book.xlsx", "persons", codebook, survey_dir=tmp_path)
        message = str(err.value)
        assert "required columns missing" in message
        assert "from sheet '说明'" in message and "'说明', 'Persons'" in message
        assert "file.xlsx#Sheet" in message and "工作表" in message

    def test_read_table_is_raw_trimmed_strings(self, tmp_path):
        (tmp_path / "t.csv").write_text(
            " Hh_ID , Result_Code \n 007 , 1 \n008,\n", encoding="utf-8"
        )
        raw = read_table("t.csv", survey_dir=tmp_path)
        assert list(raw.columns) == ["hh_id", "result_code", "source_file", "source_row"]
        assert raw["hh_id"].tolist() == ["007", "008"]  # leading zeros kept
        assert raw["result_code"].iloc[0] == "1"
        assert pd.isna(raw["result_code"].iloc[1])
        assert raw["source_row"].tolist() == [2, 3]
        assert raw.attrs["encoding"] == "utf-8"

    def test_tab_separated_and_header_not_on_first_line(self, tmp_path):
        (tmp_path / "t.txt").write_text("\nhh_id\tpsu_id\nH1\tP1\n", encoding="utf-8")
        raw = read_table("t.txt", survey_dir=tmp_path)
        assert raw["psu_id"].tolist() == ["P1"]
        # header on spreadsheet row 2, so the first data row is row 3
        assert raw["source_row"].tolist() == [3]


EPISODES_CSV = """\
episode_id,person_id,injury_date,cause,intent,place,activity,nature,body_part,care_level,days_off,outcome,hospital_days,cost_medical
E1,P001-01,2025-03-15,跌倒/坠落,1,家中,家务,骨折,下肢,住院,30,2,12,"1,234.5"
E2,P001-01,2025-03,1,1,5,7,4,2,2,0.5,1,,200
E3,P002-01,2025-03-00,17,1,5,8,4,3,1,半天,1,,
E4,P002-01,202503,3,1,1,6,2,3,0,1,1,2.5,
E5,P002-01,2025/3,3,1,1,6,2,3,0,1,1,,
E6,P002-01,不详,3,1,1,6,2,3,0,1,1,,
E7,P002-01,2025-02-30,3,1,1,6,2,3,0,1,1,,
E8,P002-01,,3,1,1,6,2,3,0,,1,,
"""


class TestEpisodes:
    @pytest.fixture()
    def intake(self, tmp_path, codebook):
        (tmp_path / "episodes.csv").write_text(EPISODES_CSV, encoding="utf-8")
        return load_table("episodes.csv", "episodes", codebook, survey_dir=tmp_path)

    def test_partial_dates_and_precision(self, intake):
        data = intake.data
        assert data["injury_date"].tolist()[:5] == [
            pd.Timestamp(2025, 3, 15),
            pd.Timestamp(2025, 3, 1),
            pd.Timestamp(2025, 3, 1),
            pd.Timestamp(2025, 3, 1),
            pd.Timestamp(2025, 3, 1),
        ]
        assert data["injury_date"].iloc[5:].isna().all()
        precision = data["injury_date_precision"].tolist()
        # E7 (2025-02-30) does not exist: no precision, and a V1 issue below
        assert precision[:6] == ["day", "month", "month", "month", "month", "unknown"]
        assert pd.isna(precision[6])
        assert precision[7] == "unknown"

    def test_labels_alias_and_numbers(self, intake):
        data = intake.data
        # 跌倒/坠落 3, 家中 1, 家务 2, 骨折 1, 下肢 3, 住院 3 (docs/methods.md §2.7)
        first = data.iloc[0]
        assert [first[c] for c in ["cause", "place", "activity", "nature_1", "body_part"]] == [
            3,
            1,
            2,
            1,
            3,
        ]
        assert first["care_level"] == 3
        # header "nature" is read as nature_1; nature_2 absent → all missing
        assert "nature" not in data
        assert data["nature_1"].tolist() == [1, 4, 4, 2, 2, 2, 2, 2]
        assert data["nature_2"].isna().all()
        assert data["cost_medical"].tolist()[:2] == [1234.5, 200.0]
        assert str(data["days_off"].dtype) == "Float64"
        assert data["days_off"].iloc[1] == 0.5

    def test_value_issues(self, intake):
        got = intake.issues[["source_row", "record_id", "column", "value", "rule_id"]]
        expected = [
            (4, "E3", "cause", "17", "V2"),  # 17 is not a cause code (1–14)
            (4, "E3", "days_off", "半天", "V1"),
            (5, "E4", "hospital_days", "2.5", "V1"),  # days in hospital are whole days
            (8, "E7", "injury_date", "2025-02-30", "V1"),
            (9, "E8", "days_off", "", "V3"),  # required, left empty
        ]
        assert sorted(map(tuple, got.itertuples(index=False))) == expected
        assert (intake.issues["severity"] == "error").all()
        assert (intake.issues["table"] == "episodes").all()
        assert (intake.issues["source_file"] == "episodes.csv").all()
        cause = intake.issues[intake.issues["column"] == "cause"].iloc[0]
        assert "valid codes: 1, 2, 3" in cause["message_en"]

    def test_rows_with_issues_are_kept_with_their_raw_values(self, intake):
        assert intake.n_rows == 8
        assert intake.data["episode_id"].tolist() == [f"E{i}" for i in range(1, 9)]
        assert pd.isna(intake.data.loc[2, "cause"])
        assert intake.raw.loc[2, "cause"] == "17"
        assert intake.raw.loc[2, "source_row"] == 4
        assert intake.raw.loc[3, "hospital_days"] == "2.5"


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("2025-03-15", (2025, 3, 15), "day"),
        ("2025/3/5", (2025, 3, 5), "day"),
        ("20250315", (2025, 3, 15), "day"),
        ("2025年3月15日", (2025, 3, 15), "day"),
        ("2025-03-15 00:00:00", (2025, 3, 15), "day"),
        ("２０２５－０３－１５", (2025, 3, 15), "day"),  # full-width digits and dash
        ("2025-03", (2025, 3, 1), "month"),
        ("2025-03-00", (2025, 3, 1), "month"),
        ("2025-03-99", (2025, 3, 1), "month"),
        ("2025/3", (2025, 3, 1), "month"),
        ("202503", (2025, 3, 1), "month"),
        ("2025年3月", (2025, 3, 1), "month"),
        ("2025", (2025, 1, 1), "year"),
        ("2025-00-00", (2025, 1, 1), "year"),
        ("", None, "unknown"),
        ("不详", None, "unknown"),
        ("不清楚", None, "unknown"),
        ("9999-99-99", None, "unknown"),
        ("2025-02-29", None, None),  # 2025 is not a leap year
        ("2025-13", None, None),
        ("2025-00-15", None, None),
        ("3/15/2025", None, None),
        ("yesterday", None, None),
    ],
)
def test_parse_partial_date(text, date, precision):
    stamp, got = parse_partial_date(text)
    assert got == precision
    assert stamp == (pd.Timestamp(*date) if date else None)


class TestRowsAndColumns:
    def test_blank_rows_keep_spreadsheet_numbering(self, tmp_path):
        text = "hh_id,psu_id\n\nH1,P1\n,\n  ,  \nH2,P1\n\n"
        (tmp_path / "h.csv").write_text(text, encoding="utf-8")
        raw = read_table("h.csv", survey_dir=tmp_path)
        # rows: header 1, blank 2, H1 3, empty cells 4, spaces 5, H2 6
        assert raw["hh_id"].tolist() == ["H1", "H2"]
        assert raw["source_row"].tolist() == [3, 6]

    def test_missing_required_column_names_file_and_close_match(self, tmp_path, codebook):
        (tmp_path / "households.csv").write_text(
            "hh_id,psu_id,interviewer_id,interview_date,result_cod\nH1,P1,I1,2025-04-01,1\n",
            encoding="utf-8",
        )
        with pytest.raises(IntakeError) as info:
            load_table("households.csv", "households", codebook, survey_dir=tmp_path)
        message = str(info.value)
        assert "households.csv" in message
        assert "'result_code'" in message
        assert "did you mean 'result_cod'" in message
        assert "Columns found: hh_id, psu_id, interviewer_id, interview_date, result_cod" in message

    def test_duplicate_columns(self, tmp_path, codebook):
        (tmp_path / "p.csv").write_text("person_id,sex, SEX \nP1,1,1\n", encoding="utf-8")
        with pytest.raises(IntakeError, match=r"p\.csv.*'sex' in columns B, C"):
            read_table("p.csv", survey_dir=tmp_path)

    def test_both_nature_and_nature_1(self, tmp_path, codebook):
        header = EPISODES_CSV.splitlines()[0] + ",nature_1"
        (tmp_path / "e.csv").write_text(header + "\n", encoding="utf-8")
        with pytest.raises(IntakeError, match="both 'nature_1' and 'nature'"):
            load_table("e.csv", "episodes", codebook, survey_dir=tmp_path)

    def test_missing_file(self, tmp_path, codebook):
        with pytest.raises(IntakeError, match=r"persons table, file data/persons\.csv: not found"):
            load_table("data/persons.csv", "persons", codebook, survey_dir=tmp_path)

    def test_empty_file(self, tmp_path):
        (tmp_path / "e.csv").write_bytes(b"")
        with pytest.raises(IntakeError, match="e.csv: the file is empty"):
            read_table("e.csv", survey_dir=tmp_path)

    def test_header_only_is_zero_rows(self, tmp_path, codebook):
        (tmp_path / "deaths.csv").write_text(
            "death_id,hh_id,sex,age_at_death,death_date,cause,intent,place\n", encoding="utf-8"
        )
        intake = load_table("deaths.csv", "deaths", codebook, survey_dir=tmp_path)
        assert intake.n_rows == 0
        assert intake.issues.empty

    def test_old_xls_is_refused_with_advice(self, tmp_path):
        (tmp_path / "p.xls").write_bytes(b"\xd0\xcf\x11\xe0")
        with pytest.raises(IntakeError, match="save it as .xlsx"):
            read_table("p.xls", survey_dir=tmp_path)

    def test_required_value_missing_and_whole_numbers(self, tmp_path, codebook):
        (tmp_path / "frame.csv").write_text(
            "stratum_id,psu_id,households\nS1,P1,120\nS1,,3.5\nS2,P3,1.0\n", encoding="utf-8"
        )
        intake = load_table("frame.csv", "frame", codebook, survey_dir=tmp_path)
        got = sorted(
            intake.issues[["source_row", "column", "rule_id"]].itertuples(index=False, name=None)
        )
        assert got == [(3, "households", "V1"), (3, "psu_id", "V3")]
        assert intake.data["households"].tolist() == [120, pd.NA, 1]

    def test_census_age_groups(self, tmp_path, codebook):
        (tmp_path / "census.csv").write_text(
            "stratum_id,sex,age_group,population\n"
            "S1,男,0-4,100\nS1,1,05-09,90\nS1,1,10～14岁,80\nS1,女,85岁及以上,30\nS1,2,90+,5\n",
            encoding="utf-8",
        )
        intake = load_table("census.csv", "census", codebook, survey_dir=tmp_path)
        assert intake.data["age_group"].tolist()[:4] == ["0-4", "5-9", "10-14", "85+"]
        assert intake.issues[["source_row", "column", "rule_id"]].values.tolist() == [
            [6, "age_group", "V1"]
        ]


class TestPersonalData:
    # ID numbers checked by hand with GB 11643's ISO 7064 MOD 11-2 rule:
    # 11010519491231002X (the standard's own example): weighted sum 167, 167 mod 11 = 2 → "X".
    # 320102198506151236: weighted sum 237, 237 mod 11 = 6 → "10X98765432"[6] = "6".
    ID_1 = "11010519491231002X"
    ID_2 = "320102198506151236"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (ID_1, True),
            (ID_1.lower(), True),
            (ID_2, True),
            ("110105194912310021", False),  # wrong check digit
            ("110105194913310029", False),  # month 13
            ("1101051949123100", False),
        ],
    )
    def test_id_card(self, value, expected):
        assert looks_like_id_card(value) is expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("13800138000", True),
            ("139-1234-5678", True),
            ("+86 150 1234 5678", True),
            ("12345678901", False),  # second digit must be 3–9
            ("1380013800", False),
            ("021-64041990", False),
        ],
    )
    def test_mobile(self, value, expected):
        assert looks_like_mobile(value) is expected

    def test_pii_columns_dropped_by_header_and_content(self, tmp_path, codebook):
        text = (
            "hh_id,psu_id,interviewer_id,result_code,户主姓名,Respondent_Name,联系电话,"
            "id_card,家庭住址,tel,notes,code2,comment\n"
            f"H1,P1,I1,1,张三,李四,021-64041990,{self.ID_1},幸福路1号,88886666,13800138000,{self.ID_2},ok\n"
            "H2,P1,I1,5,王五,,,,,,,,again\n"
        )
        (tmp_path / "households.csv").write_text(text, encoding="utf-8")
        intake = load_table("households.csv", "households", codebook, survey_dir=tmp_path)
        dropped = dict(zip(intake.dropped_pii["column"], intake.dropped_pii["reason"], strict=True))
        assert set(dropped) == {
            "户主姓名",
            "respondent_name",
            "联系电话",
            "id_card",
            "家庭住址",
            "tel",
            "notes",
            "code2",
        }
        assert dropped["户主姓名"] == "header looks like a name"
        assert dropped["notes"].startswith("values look like 11-digit mobile numbers")
        assert dropped["code2"].startswith("values look like 18-digit ID-card numbers")
        assert (intake.dropped_pii["table"] == "households").all()
        assert intake.extra_columns == ["comment"]
        everything = "".join(
            frame.to_csv() for frame in (intake.data, intake.raw, intake.issues, intake.dropped_pii)
        )
        for secret in ["张三", "李四", "王五", "64041990", self.ID_1, "幸福路", "88886666", "13800138000", self.ID_2]:  # fmt: skip
            assert secret not in everything

    def test_numbers_inside_free_text_are_masked(self, tmp_path, codebook):
        header = EPISODES_CSV.splitlines()[0] + ",narrative,address_hash"
        first = EPISODES_CSV.splitlines()[1]
        second = EPISODES_CSV.splitlines()[2]
        text = (
            f"{header}\n"
            f"{first},在家摔倒，家属电话139-1234-5678，身份证{self.ID_1}。,a1b2\n"
            f"{second},骑车被撞,c3d4\n"
        )
        (tmp_path / "episodes.csv").write_text(text, encoding="utf-8")
        intake = load_table("episodes.csv", "episodes", codebook, survey_dir=tmp_path)
        assert intake.data["narrative"].tolist() == [
            "在家摔倒，家属电话[手机号已删除]，身份证[身份证号已删除]。",
            "骑车被撞",
        ]
        assert intake.raw["narrative"].iloc[0] == intake.data["narrative"].iloc[0]
        record = intake.dropped_pii
        assert record[["column", "action"]].values.tolist() == [["narrative", "masked"]]
        # an address hash is already pseudonymised (docs/methods.md §4.1 K4 uses it)
        assert intake.data["address_hash"].tolist() == ["a1b2", "c3d4"]

    def test_contract_columns_are_not_mistaken_for_names(self, tmp_path, codebook):
        (tmp_path / "psus.csv").write_text(
            "stratum_id,psu_id,psu_name,households\nS1,P1,幸福里居委会,300\n", encoding="utf-8"
        )
        intake = load_table("psus.csv", "frame", codebook, survey_dir=tmp_path)
        assert intake.dropped_pii.empty
        assert intake.data["psu_name"].tolist() == ["幸福里居委会"]

    def test_id_numbers_as_identifiers_stop_intake(self, tmp_path, codebook):
        header = PERSONS_CSV.splitlines()[0]
        row = f"{self.ID_1},H001,1,1,1,45,,1,12,4,8,2,1,2,0"
        (tmp_path / "persons.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
        with pytest.raises(IntakeError, match="'person_id' holds ID-card numbers") as info:
            load_table("persons.csv", "persons", codebook, survey_dir=tmp_path)
        assert self.ID_1 not in str(info.value)


class TestSurvey:
    def write_survey(self, folder):
        folder.mkdir()
        (folder / "households.csv").write_text(
            "hh_id,psu_id,interviewer_id,result_code,姓名\nH001,P1,I1,1,张三\nH002,P1,I1,99,李四\n",
            encoding="utf-8",
        )
        (folder / "persons.csv").write_bytes(PERSONS_CSV.encode("gbk"))
        (folder / "episodes.csv").write_text(EPISODES_CSV, encoding="utf-8-sig")

    def test_summary(self, tmp_path, codebook):
        self.write_survey(tmp_path / "wave")
        paths = {
            "households": "wave/households.csv",
            "persons": "wave/persons.csv",
            "episodes": "wave/episodes.csv",
            "deaths": None,
        }
        survey = load_survey(paths, codebook, survey_dir=tmp_path)
        summary = survey.summary()
        assert summary["table"].tolist() == ["households", "persons", "episodes"]
        assert summary["encoding"].tolist() == ["utf-8", "gb18030", "utf-8-sig"]
        # households: 2 rows, result code 99 not in the list; persons: 4 rows; episodes: 8 rows, 5 issues
        assert summary["rows_read"].tolist() == [2, 4, 8]
        assert summary["value_issues"].tolist() == [1, 0, 5]
        assert summary["pii_columns_dropped"].tolist() == ["姓名", "", ""]
        assert set(survey.tables) == {"households", "persons", "episodes"}
        assert len(survey.issues) == 6
        assert survey.dropped_pii["column"].tolist() == ["姓名"]
        assert survey.raw["households"].loc[1, "result_code"] == "99"

    def test_file_problems_are_reported_together(self, tmp_path, codebook):
        self.write_survey(tmp_path / "wave")
        paths = {
            "households": "wave/households.csv",
            "persons": "wave/people.csv",
            "episodes": "wave/events.csv",
        }
        with pytest.raises(IntakeError) as info:
            load_survey(paths, codebook, survey_dir=tmp_path)
        assert "wave/people.csv: not found" in str(info.value)
        assert "wave/events.csv: not found" in str(info.value)

    def test_required_tables(self, codebook):
        with pytest.raises(IntakeError, match="no path for episodes"):
            load_survey({"households": "h.csv", "persons": "p.csv"}, codebook)
