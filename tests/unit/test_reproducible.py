"""Same content, same bytes: workbooks carry no write times."""

import time
import zipfile

import openpyxl

from injury_survey.reproducible import reproducible_xlsx


def write_book(path):
    book = openpyxl.Workbook()
    book.active.title = "T1"
    book.active.append(["性别 Sex", "n"])
    book.active.append(["男 Male", 12])
    book.save(path)
    reproducible_xlsx(path)


def test_a_workbook_written_twice_has_the_same_bytes_and_cells(tmp_path):
    write_book(tmp_path / "a.xlsx")
    time.sleep(2.1)  # zip entries carry time in 2-second steps
    write_book(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    sheet = openpyxl.load_workbook(tmp_path / "a.xlsx")["T1"]
    assert list(sheet.iter_rows(values_only=True)) == [("性别 Sex", "n"), ("男 Male", 12)]
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml")
        assert b"dcterms:created" not in core and b"dcterms:modified" not in core


def test_the_evaluation_workbook_written_twice_has_the_same_bytes(tmp_path):
    import pandas as pd

    from injury_survey.evaluation_report import write_t21_tables

    tables = {lang: pd.DataFrame({"指标 Indicator": ["x"], "n": [1]}) for lang in ("zh", "en")}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_t21_tables(tables, tmp_path / "a")
    time.sleep(2.1)
    second = write_t21_tables(tables, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "a" / "T21_en.csv").exists()
