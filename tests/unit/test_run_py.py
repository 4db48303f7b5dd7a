"""run.py: JupyterLab's kernel and signals (no browser, no JupyterLab needed) and the summary of
adjustments printed at the end of a run."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from injury_survey.adjustments import Adjustment, write_adjustments
from injury_survey.run_summary import adjustments_summary

REPO = Path(__file__).resolve().parents[2]


def load_run_py():
    spec = importlib.util.spec_from_file_location("run_py", REPO / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kernel_files_outside(prefix: Path) -> dict[Path, tuple]:
    """inode, mtime and content of every installed kernel.json this test could touch: in the
    pipeline's environment and in uv's cache (from which uv hard-links installed files)."""
    roots = [Path(sys.prefix)]
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        cache = subprocess.run([str(uv), "cache", "dir"], capture_output=True, text=True)
        roots.append(Path(cache.stdout.strip()))
    found = {}
    for root in roots:
        for path in root.rglob("kernel.json") if root.is_dir() else []:
            if prefix not in path.parents:
                stat = path.stat()
                found[path] = (stat.st_ino, stat.st_mtime_ns, path.read_bytes())
    return found


def test_kernel_is_registered_under_its_own_name_as_a_new_file(tmp_path):
    run_py = load_run_py()
    before = kernel_files_outside(tmp_path)
    assert before, "expected at least ipykernel's own kernel.json in the environment"
    kernel_json = run_py.register_kernel(tmp_path, python=Path(sys.executable))
    assert kernel_json == tmp_path / "share/jupyter/kernels/injury-survey/kernel.json"
    assert kernel_json.stat().st_nlink == 1  # a file of its own, not a hard link into a cache
    spec = json.loads(kernel_json.read_text())
    assert spec["argv"][0] == sys.executable
    assert spec["argv"][spec["argv"].index("-m") + 1] == "ipykernel_launcher"
    assert kernel_files_outside(tmp_path) == before  # nothing installed was written to


def test_lab_runs_as_root_only_with_allow_root_and_starts_the_project_kernel():
    run_py = load_run_py()
    as_root = run_py.lab_command(["--no-browser"], euid=0)
    assert "--allow-root" in as_root and as_root[-1] == "--no-browser"
    assert "--allow-root" not in run_py.lab_command([], euid=1000)
    assert "--MappingKernelManager.default_kernel_name=injury-survey" in as_root


@pytest.mark.skipif(os.name != "posix", reason="signals are forwarded, not exec'd, elsewhere")
def test_stopping_the_launcher_stops_what_it_launched(tmp_path):
    pid_file = tmp_path / "pid"
    child = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)"
    )
    launcher = (
        "import importlib.util, os, sys\n"
        f"spec = importlib.util.spec_from_file_location('run_py', {str(REPO / 'run.py')!r})\n"
        "run_py = importlib.util.module_from_spec(spec); spec.loader.exec_module(run_py)\n"
        f"run_py.launch([sys.executable, '-c', {child!r}], {str(tmp_path)!r}, dict(os.environ))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", launcher])
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    launched = int(pid_file.read_text())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == -signal.SIGTERM
    # The launched program was the launcher's own process (exec): nothing is left running.
    assert launched == process.pid
    with pytest.raises(ProcessLookupError):
        os.kill(launched, 0)


def test_summary_of_adjustments_counts_kinds_and_lists_each(tmp_path):
    assert adjustments_summary(tmp_path) == ["Adjustments the data forced: none recorded."]
    items = [
        Adjustment(
            "baseline", "weights", "nonresponse_class_collapsed", f"PSU P{i}",
            "weights.min_class_respondents = 5", f"PSU P{i} pooled into its stratum",
            f"PSU P{i} 并入所在层",
        )
        for i in range(25)
    ]  # fmt: skip
    write_adjustments(items, tmp_path / "baseline" / "adjustments" / "weights.csv", warn=False)
    lines = adjustments_summary(tmp_path)
    assert lines[0].startswith("Adjustments the data forced: 25 ")
    assert lines[1].strip() == "25 × non-response class collapsed"
    assert (
        "baseline · weights: PSU P0 pooled into its stratum [weights.min_class_respondents = 5]"
        in lines[2]
    )
    assert lines[-1].strip() == "… and 5 more"


def test_notebooks_name_the_kernel_that_run_py_registers():
    name = load_run_py().KERNEL_NAME
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("kernelspec")
        assert spec is None or spec["name"] == name, path.name


def test_a_shared_kernel_rewritten_by_an_earlier_version_is_reported_not_rewritten(
    tmp_path, capsys
):
    run_py = load_run_py()
    run_py.LAB_VENV, run_py.VENV = tmp_path / ".venv-lab", tmp_path / ".venv"
    installed = tmp_path / ".venv-lab/share/jupyter/kernels/python3/kernel.json"
    installed.parent.mkdir(parents=True)
    installed.write_text(json.dumps({"argv": ["python", "-m", "ipykernel_launcher"]}))
    run_py.warn_if_shared_kernel_was_rewritten()
    assert capsys.readouterr().out == ""
    damaged = json.dumps({"argv": [str(run_py.bin_path(run_py.VENV, "python")), "-m", "ipykernel"]})
    installed.write_text(damaged)
    run_py.warn_if_shared_kernel_was_rewritten()
    assert "uv cache clean ipykernel" in capsys.readouterr().out
    assert installed.read_text() == damaged


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], False),
        (["--cores", "2", "--dry-run"], False),
        (["--workflow-profile", str(REPO / "workflow" / "profiles" / "default")], False),
        (["--workflow-profile", str(REPO / "workflow" / "profiles" / "slurm")], True),
        ([f"--workflow-profile={REPO / 'workflow' / 'profiles' / 'slurm'}"], True),
        (["--cores", "4", "--executor", "slurm"], True),
        (["-e", "slurm"], True),
        (["--executor=local"], False),
        (["--profile", "my-slurm-site"], True),
        (["--workflow-profile"], False),
    ],
)
def test_the_slurm_plugins_are_found_only_by_runs_that_use_slurm(options, expected):
    assert load_run_py().uses_slurm(options) is expected


def test_slurm_runs_find_the_plugins_before_what_pythonpath_held():
    run_py = load_run_py()
    env = run_py.with_slurm_plugins({"PYTHONPATH": "/elsewhere", "HOME": "/root"})
    assert env["PYTHONPATH"] == f"{run_py.SLURM_PLUGINS}{os.pathsep}/elsewhere"
    assert run_py.with_slurm_plugins({})["PYTHONPATH"] == str(run_py.SLURM_PLUGINS)
