"""The SLURM proof's two demo runs (one through ``--executor slurm``, one local) start in the
background as soon as the tests are collected, and the proof itself is moved to the end of the
session: the runs progress while the other tests execute, and the proof only waits for what is
left. Most of a SLURM run is waiting (sbatch, the status checks), and most other tests use one
core, so the two cores of a CI machine are kept busy instead of idling through ten minutes of
demo runs.

Nothing starts when the proof is not selected (``-m "not cluster"``, ``-k``, another folder) or no
cluster answers; whatever is still running when the session ends is stopped.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

# On a cluster without accounting (no slurmdbd): no account, and squeue follows the jobs. The
# first status check comes after 1 s because the demo's jobs take seconds, not hours: the plugin
# adds 10 s to the wait after every check that finds no job finished and goes back to this value
# after one that does, so a job's end is noticed within about 10 s of it instead of 20-40 s.
LOCAL_CLUSTER_OPTIONS = [
    "--slurm-no-account",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
]


def cluster_is_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return states.returncode == 0 and any(s in states.stdout for s in ("idle", "mix", "alloc"))


def demo_folder(root: Path) -> Path:
    """A survey folder holding the demo's config and raw data, as a team's folder would."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "config" / "config.yaml", root / "config.yaml")
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    return root


@dataclass
class PipelineRun:
    """Snakemake running on ``folder`` in the background; what it prints goes to a file beside the
    folder (not a pipe: nobody reads it until the run ends, and a full pipe would block it)."""

    folder: Path
    process: subprocess.Popen

    @property
    def console_file(self) -> Path:
        return self.folder.with_suffix(".console")

    def finish(self, timeout: float = 3600) -> tuple[int, str]:
        """Wait for the run: its exit code and what it printed."""
        returncode = self.process.wait(timeout=timeout)
        return returncode, self.console_file.read_text(encoding="utf-8")

    def stop(self) -> None:
        """Stop the run and its jobs. On SIGINT Snakemake kills its local jobs and cancels its
        SLURM jobs (on SIGTERM it would wait for the running and queued ones to finish)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def with_slurm_plugins(env: dict[str, str]) -> dict[str, str]:
    """``env`` in which Snakemake finds the SLURM executor plugins: an environment that installed
    requirements-slurm.txt itself has them; run.py keeps them apart from .venv (see run.py)."""
    if importlib.util.find_spec("snakemake_executor_plugin_slurm"):
        return env
    spec = importlib.util.spec_from_file_location("run_py", REPO / "run.py")
    run_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_py)
    return run_py.with_slurm_plugins(env)


def start_pipeline(folder: Path, profile: str, *extra: str) -> PipelineRun:
    """The Snakefile on ``folder`` with one of the project's profiles, in the background."""
    env = dict(os.environ, PATH=f"{SNAKEMAKE.parent}{os.pathsep}{os.environ['PATH']}")
    if profile == "slurm":
        env = with_slurm_plugins(env)
    command = [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(folder),
        "--configfile",
        str(folder / "config.yaml"),
        "--workflow-profile",
        str(REPO / "workflow" / "profiles" / profile),
        *extra,
    ]
    with folder.with_suffix(".console").open("w", encoding="utf-8") as console:
        process = subprocess.Popen(command, stdout=console, stderr=subprocess.STDOUT, env=env)
    return PipelineRun(folder, process)


@dataclass
class DemoRuns:
    root: Path
    on_slurm: PipelineRun
    local: PipelineRun


def start_demo_runs() -> DemoRuns:
    """The demo through the SLURM profile and, as the reference, through the default profile (as
    ``run.py`` runs it, two cores), each in its own folder."""
    root = Path(tempfile.mkdtemp(prefix="pytest-slurm-proof-"))
    on_slurm = start_pipeline(demo_folder(root / "slurm"), "slurm", *LOCAL_CLUSTER_OPTIONS)
    local = start_pipeline(demo_folder(root / "local"), "default", "--cores", "2")
    return DemoRuns(root, on_slurm, local)


DEMO_RUNS = pytest.StashKey[DemoRuns]()


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what they deselect
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    proofs = [item for item in items if item.get_closest_marker("cluster")]
    if not proofs:
        return
    items[:] = [item for item in items if item not in proofs] + proofs
    if not config.option.collectonly and cluster_is_up():
        config.stash[DEMO_RUNS] = start_demo_runs()


def pytest_unconfigure(config: pytest.Config) -> None:
    runs = config.stash.get(DEMO_RUNS, None)
    if runs is not None:
        runs.on_slurm.stop()
        runs.local.stop()


@pytest.fixture(scope="session")
def cluster():
    if not cluster_is_up():
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true but no SLURM cluster answers: run tests/cluster/slurm_cluster.sh start"
            )
        pytest.skip("no SLURM cluster (start one with: bash tests/cluster/slurm_cluster.sh start)")


@pytest.fixture(scope="session")
def demo_runs(cluster, request) -> DemoRuns:
    """The two runs started at collection (or now, if the cluster came up only since)."""
    if DEMO_RUNS not in request.config.stash:
        request.config.stash[DEMO_RUNS] = start_demo_runs()
    return request.config.stash[DEMO_RUNS]
