#!/usr/bin/env python3
"""Set up the environment if needed, then run the pipeline, the tests or JupyterLab.

    python3 run.py demo            # whole pipeline on the bundled demo survey -> results/
    python3 run.py init FOLDER     # write FOLDER/config.yaml from the tables in FOLDER/data/raw/
    python3 run.py run FOLDER      # whole pipeline on that survey -> FOLDER/results/
    python3 run.py run --district DISTRICT.yaml  # several towns in one run, and their pooled estimate
    python3 run.py test            # the test suite (what .ci/run calls)
    python3 run.py lab             # JupyterLab on notebooks/, in its own environment

Needs only Python >= 3.11 and access to PyPI. The pipeline's environment is `.venv/` (pinned by
requirements.txt, installed with uv); it is rebuilt when requirements.txt changes. JupyterLab lives
in a separate `.venv-lab/` with a kernel of its own name, "injury-survey", that runs the pipeline's
interpreter: jupyterlab's dependency chain adds over a second to every process that imports
jsonschema, and the pipeline should not pay it. Extra arguments are passed on:
`python3 run.py demo --dry-run`, `python3 run.py run FOLDER --cores 2`, `python3 run.py test -k
weights`, `python3 run.py init FOLDER --force`;
`python3 run.py demo --verbose` shows Snakemake's full output and tracebacks of a failing stage.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# The SLURM executor plugins (requirements-slurm.txt), installed apart from .venv's site-packages:
# Snakemake imports every executor plugin it can find at each start (0.3 s for this one), so only
# the runs that use SLURM find them, through PYTHONPATH.
SLURM_PLUGINS = VENV / "slurm-plugins"
LAB_VENV = ROOT / ".venv-lab"
UV_VERSION = "0.13.9"
JUPYTERLAB = "jupyterlab==4.6.6"
KERNEL_NAME = "injury-survey"


def bin_path(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def say(message: str) -> None:
    print(f"[run.py] {message}", flush=True)


def run(cmd: list[str | Path], **kwargs) -> None:
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def ensure_env(env: Path, requirements: list[str], stamp_text: str) -> None:
    """Create ``env`` and install ``requirements`` with uv, unless the stamp says it is current."""
    stamp = env / ".installed"
    digest = hashlib.sha256(stamp_text.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not bin_path(env, "python").exists():
        say(f"creating {env.name}/ (first run only)")
        venv.EnvBuilder(with_pip=True).create(env)
    python = bin_path(env, "python")
    uv = bin_path(env, "uv")
    if not uv.exists():
        say(f"installing uv {UV_VERSION} into {env.name}/")
        if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode:
            run([python, "-m", "ensurepip", "--default-pip"])  # an env made without pip
        run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"uv=={UV_VERSION}",
            ]
        )
    say(f"installing the pinned requirements into {env.name}/")
    # Byte-code compilation matters here: these machines set PYTHONDONTWRITEBYTECODE=1.
    run([uv, "pip", "install", "--python", python, "--compile-bytecode", *requirements])
    stamp.write_text(digest)


def ensure_pipeline_env() -> None:
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    ensure_env(
        VENV, ["-r", str(ROOT / "requirements.txt"), "-e", str(ROOT)], requirements + pyproject
    )


def ensure_slurm_plugins() -> None:
    """Install requirements-slurm.txt into .venv/slurm-plugins/ unless its stamp says it is
    current. --no-deps: their other dependencies are .venv's own pinned packages."""
    requirements = ROOT / "requirements-slurm.txt"
    stamp = SLURM_PLUGINS / ".installed"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing the pinned SLURM executor plugins into {SLURM_PLUGINS.relative_to(ROOT)}/")
    python, uv = bin_path(VENV, "python"), bin_path(VENV, "uv")
    run(
        [uv, "pip", "install", "--python", python, "--target", SLURM_PLUGINS, "--no-deps"]
        + ["--compile-bytecode", "-r", requirements]
    )
    stamp.write_text(digest)


def uses_slurm(extra: list[str]) -> bool:
    """Whether these Snakemake options ask for the SLURM executor, directly or by a profile."""
    for index, option in enumerate(extra):
        name, equals, inline = option.partition("=")
        value = inline if equals else "".join(extra[index + 1 : index + 2])
        if name in {"--executor", "-e"} and value == "slurm":
            return True
        if name in {"--workflow-profile", "--profile"}:
            profile = Path(value) / "config.yaml"
            if profile.is_file():
                text = profile.read_text(encoding="utf-8")
                if re.search(r"^executor:\s*slurm\s*$", text, flags=re.M):
                    return True
            elif "slurm" in value:  # a profile by name, from Snakemake's own folders
                return True
    return False


def with_slurm_plugins(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the SLURM plugins on PYTHONPATH (sbatch passes it on to the jobs)."""
    path = [str(SLURM_PLUGINS), *filter(None, [env.get("PYTHONPATH")])]
    return {**env, "PYTHONPATH": os.pathsep.join(path)}


def ensure_lab_env() -> None:
    ensure_pipeline_env()
    ensure_env(LAB_VENV, [JUPYTERLAB], JUPYTERLAB)
    register_kernel(LAB_VENV)
    warn_if_shared_kernel_was_rewritten()


def warn_if_shared_kernel_was_rewritten() -> None:
    """Earlier versions of this script rewrote .venv-lab's installed "python3" kernel.json, a
    file uv hard-links from its cache into every environment it builds: say how to repair it."""
    installed = LAB_VENV / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    try:
        argv = json.loads(installed.read_text(encoding="utf-8"))["argv"]
    except (OSError, ValueError, KeyError):
        return
    if argv and argv[0] == str(bin_path(VENV, "python")):
        say(
            f"warning: {installed} starts this project's .venv (written by an earlier run.py); "
            "uv shares that file with its cache and other environments. Repair it with "
            "`uv cache clean ipykernel`, then `uv pip install --reinstall ipykernel` in each "
            "affected environment (here: delete .venv-lab/ and run `python3 run.py lab` again)."
        )


def register_kernel(prefix: Path, python: Path | None = None) -> Path:
    """Register the pipeline's interpreter as the kernel "injury-survey" under ``prefix``.

    ipykernel writes a new kernel spec folder; installed files (such as jupyterlab's own
    "python3" kernel.json, which uv hard-links from its cache into every environment) are never
    written to. Returns the path of the new kernel.json.
    """
    python = python or bin_path(VENV, "python")
    command = [python, "-m", "ipykernel", "install", "--prefix", prefix, "--name", KERNEL_NAME]
    command += ["--display-name", "Python 3 (injury-survey)"]
    # Its warning that the prefix is not on the pipeline interpreter's own Jupyter path is
    # expected (JupyterLab in .venv-lab finds it); the output is shown only on failure.
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"[run.py] registering the kernel failed:\n{done.stdout}{done.stderr}")
    return prefix / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"


def lab_command(extra: list[str], euid: int | None = None) -> list[str]:
    """The jupyter-lab command line: the project's kernel by default, --allow-root for root."""
    euid = os.geteuid() if euid is None and hasattr(os, "geteuid") else euid
    command = [
        str(bin_path(LAB_VENV, "jupyter")),
        "lab",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
    ]
    if euid == 0:
        command.append("--allow-root")
    return [*command, *extra]


def launch(command: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Run ``command`` so that stopping this launcher stops it too.

    On POSIX this process becomes the command (exec), so SIGTERM and SIGINT reach it directly;
    elsewhere the signals are forwarded to the child and its exit awaited.
    """
    if os.name == "posix":
        os.chdir(cwd)
        os.execve(command[0], command, env)
    child = subprocess.Popen(command, cwd=cwd, env=env)

    def forward(signum, _frame):
        child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, forward)
    return child.wait()


def env_with_venv_on_path() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{bin_path(VENV, 'python').parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def newest_result(results: Path, exclude: Path) -> float:
    """Modification time of the newest file under results/ (Snakemake's report excluded)."""
    times = [p.stat().st_mtime for p in results.rglob("*") if p.is_file() and p != exclude]
    return max(times, default=0.0)


def run_pipeline(folder: Path, configfile: Path | None, extra: list[str]) -> int:
    """The whole pipeline in ``folder`` (demo and own surveys alike), then Snakemake's report and
    the summary of the adjustments the data forced."""
    env = env_with_venv_on_path()
    if uses_slurm(extra):
        ensure_slurm_plugins()
        env = with_slurm_plugins(env)
    snakemake = [
        str(bin_path(VENV, "snakemake")),
        "--snakefile",
        str(ROOT / "Snakefile"),
        "--directory",
        str(folder),
        *(["--configfile", str(configfile)] if configfile else []),
    ]
    profile = ["--workflow-profile", str(ROOT / "workflow" / "profiles" / "default")]
    # Placed last: --quiet takes a list and would swallow a target that followed it.
    overrides = []
    if "--verbose" in extra:
        # Everything on the console: Snakemake's rule listings and failed logs, tracebacks.
        extra = [arg for arg in extra if arg != "--verbose"]
        overrides = ["--show-failed-logs", "--quiet", "host"]
        env["INJURY_SURVEY_VERBOSE"] = "1"
    elif {"-n", "--dry-run"} & set(extra):
        overrides = ["--quiet", "host", "rules"]  # the profile hides the job list a dry run is for
    code = subprocess.call([*snakemake, *profile, *extra, *overrides], cwd=folder, env=env)
    results = folder / "results"
    if code == 0 and not extra:
        report = results / "report" / "snakemake_report.html"
        if not report.exists() or newest_result(results, exclude=report) > report.stat().st_mtime:
            report.parent.mkdir(parents=True, exist_ok=True)
            code = subprocess.call(
                [*snakemake, "--cores", "1", "--report", str(report.relative_to(folder))],
                cwd=folder,
                env=env,
            )
    if results.is_dir() and not {"-n", "--dry-run", "--dryrun"} & set(extra):
        python = str(bin_path(VENV, "python"))
        subprocess.call([python, "-m", "injury_survey.run_summary", str(results)], env=env)
    if code == 0 and not extra:
        shown = "results" if folder == ROOT else results.as_posix()
        say(f"done: open {shown}/index.html (notebooks) and {shown}/report/report.html (report)")
    return code


def run_district(district: Path, extra: list[str]) -> int:
    """Every town of a district config (workflow/district.smk) in one Snakemake run, the pooled
    estimate in results/district/ beside the config, then each town's adjustments summary."""
    env = env_with_venv_on_path()
    if uses_slurm(extra):
        ensure_slurm_plugins()
        env = with_slurm_plugins(env)
    snakemake = [
        str(bin_path(VENV, "snakemake")),
        "--snakefile",
        str(ROOT / "workflow" / "district.smk"),
    ]
    snakemake += ["--directory", str(district.parent), "--configfile", str(district)]
    snakemake += ["--workflow-profile", str(ROOT / "workflow" / "profiles" / "default")]
    if {"-n", "--dry-run"} & set(extra):
        extra = [*extra, "--quiet", "host", "rules"]
    code = subprocess.call([*snakemake, *extra], cwd=district.parent, env=env)
    if code == 0 and not {"-n", "--dry-run", "--dryrun"} & set(extra):
        python = str(bin_path(VENV, "python"))
        subprocess.call([python, "-m", "injury_survey.district", str(district)], env=env)
        say(f"done: the pooled estimate is in {district.parent / 'results' / 'district'}/")
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "init", "run", "test", "lab"}:
        print(__doc__)
        return 2
    command, extra = argv[0], argv[1:]
    district = command == "run" and extra[:1] == ["--district"]
    if district and (len(extra) < 2 or not Path(extra[1]).is_file()):
        print("usage: python3 run.py run --district DISTRICT.yaml [options] (an existing file)")
        return 2
    if command in {"init", "run"} and not district and (not extra or extra[0].startswith("-")):
        print(f"usage: python3 run.py {command} FOLDER [options]")
        return 2
    if command == "lab":
        ensure_lab_env()
        say("starting JupyterLab on notebooks/ (Ctrl-C to stop)")
        return launch(lab_command(extra), ROOT / "notebooks", env_with_venv_on_path())
    ensure_pipeline_env()
    env = env_with_venv_on_path()
    if command == "test":
        ensure_slurm_plugins()  # for the cluster proof (tests/cluster/), which runs when a cluster answers
        return subprocess.call([str(bin_path(VENV, "pytest")), *extra], cwd=ROOT, env=env)
    if command == "init":
        python = str(bin_path(VENV, "python"))
        return subprocess.call([python, "-m", "injury_survey.init_survey", *extra], env=env)
    if district:
        return run_district(Path(extra[1]).resolve(), extra[2:])
    if command == "run":
        folder = Path(extra[0]).resolve()
        configfile = folder / "config.yaml"
        if not configfile.is_file():
            say(f"{configfile} not found: write it first with `python3 run.py init {extra[0]}`")
            return 2
        return run_pipeline(folder, configfile, extra[1:])
    return run_pipeline(ROOT, None, extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
