"""The two install routes agree, the README's commands are the ones CI runs, pins are exact."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def requirement_lines(file: str = "requirements.txt") -> list[str]:
    lines = (REPO / file).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_exactly():
    for file in ("requirements.txt", "requirements-slurm.txt"):
        for line in requirement_lines(file):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.]*", line), (file, line)


def test_the_slurm_plugins_are_kept_out_of_a_local_run():
    """Snakemake imports every executor plugin it can find at each start; the SLURM plugins are
    installed beside the environment and found only by runs that use them (run.py)."""
    base = {line.split("==")[0] for line in requirement_lines()}
    slurm = {line.split("==")[0] for line in requirement_lines("requirements-slurm.txt")}
    assert "snakemake-executor-plugin-slurm" in slurm
    assert not {name for name in base if name.startswith("snakemake-executor-plugin")}


def test_svy_and_its_rust_core_and_polars_are_pinned():
    names = {line.split("==")[0].lower() for line in requirement_lines()}
    assert {"svy", "svy-rs", "polars", "snakemake", "papermill"} <= names


def test_environment_yml_installs_the_same_pinned_list():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-r requirements.txt", "-e ."]
    conda_names = [d.split("=")[0] for d in env["dependencies"] if isinstance(d, str)]
    assert set(conda_names) <= {"python", "pip"}, "conda packages would diverge from the pip pins"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(python3 run\.py \w+)\s*$", readme, flags=re.M)
    assert commands[:2] == ["python3 run.py demo", "python3 run.py test"]
    assert "python3 run.py test" in (REPO / ".ci" / "run").read_text()


def test_licence_and_third_party_notices_ship():
    assert "MIT License" in (REPO / "LICENSE").read_text()
    notices = (REPO / "THIRD_PARTY.md").read_text(encoding="utf-8")
    assert "OFL" in notices


def test_code_is_formatted_and_lint_clean():
    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([str(ruff), *command], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:]
