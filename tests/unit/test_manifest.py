"""results/manifest.csv: each input file once, with its size and SHA-256."""

from injury_survey.manifest import file_manifest, main

# FIPS 180-2, appendix B.1: SHA-256("abc").
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sizes_and_checksums_each_file_once_sorted(tmp_path):
    (tmp_path / "b.csv").write_bytes(b"abc")
    (tmp_path / "a.csv").write_bytes(b"")
    paths = [tmp_path / "b.csv", tmp_path / "a.csv", tmp_path / "b.csv"]
    manifest = file_manifest(paths)
    assert list(manifest["path"]) == [str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]
    assert list(manifest["size_bytes"]) == [0, 3]
    assert manifest["sha256"].iloc[1] == ABC_SHA256


def test_command_line_writes_the_csv(tmp_path):
    (tmp_path / "b.csv").write_bytes(b"abc")
    out = tmp_path / "results" / "manifest.csv"
    main(["--out", str(out), str(tmp_path / "b.csv")])
    lines = out.read_text().splitlines()
    assert lines == ["path,size_bytes,sha256", f"{tmp_path / 'b.csv'},3,{ABC_SHA256}"]
