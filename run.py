#!/usr/bin/env python3
"""Set up the environment if needed, then run the demo pipeline, the tests or JupyterLab.

    python3 run.py demo     # whole pipeline on the bundled demo survey -> results/
    python3 run.py test     # the test suite (what .ci/run calls)
    python3 run.py lab      # JupyterLab on notebooks/, in its own environment

Needs only Python >= 3.11 and access to PyPI. The pipeline's environment is `.venv/` (pinned by
requirements.txt, installed with uv); it is rebuilt when requirements.txt changes. JupyterLab lives
in a separate `.venv-lab/` whose kernel is the pipeline's interpreter: jupyterlab's dependency chain
adds over a second to every process that imports jsonschema, and the pipeline should not pay it.
Extra arguments are passed on: `python3 run.py demo --dry-run`, `python3 run.py test -k weights`;
`python3 run.py demo --verbose` shows Snakemake's full output and tracebacks of a failing stage.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LAB_VENV = ROOT / ".venv-lab"
UV_VERSION = "0.13.9"
JUPYTERLAB = "jupyterlab==4.6.6"


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


def ensure_lab_env() -> None:
    ensure_pipeline_env()
    ensure_env(LAB_VENV, [JUPYTERLAB], JUPYTERLAB)
    # The lab's "python3" kernel is the pipeline's interpreter, so notebooks import injury_survey.
    kernel_dir = LAB_VENV / "share" / "jupyter" / "kernels" / "python3"
    kernel_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [
            str(bin_path(VENV, "python")),
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ],
        "display_name": "Python 3 (injury-survey)",
        "language": "python",
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec, indent=1))


def env_with_venv_on_path() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{bin_path(VENV, 'python').parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def newest_result(exclude: Path) -> float:
    """Modification time of the newest file under results/ (Snakemake's report excluded)."""
    times = [
        p.stat().st_mtime for p in (ROOT / "results").rglob("*") if p.is_file() and p != exclude
    ]
    return max(times, default=0.0)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "lab"}:
        print(__doc__)
        return 2
    command, extra = argv[0], argv[1:]
    if command == "lab":
        ensure_lab_env()
        say("starting JupyterLab on notebooks/ (Ctrl-C to stop)")
        return subprocess.call(
            [str(bin_path(LAB_VENV, "jupyter")), "lab", *extra],
            cwd=ROOT / "notebooks",
            env=env_with_venv_on_path(),
        )
    ensure_pipeline_env()
    env = env_with_venv_on_path()
    if command == "test":
        return subprocess.call([str(bin_path(VENV, "pytest")), *extra], cwd=ROOT, env=env)
    snakemake = str(bin_path(VENV, "snakemake"))
    profile = ["--workflow-profile", "workflow/profiles/default"]
    # Placed last: --quiet takes a list and would swallow a target that followed it.
    overrides = []
    if "--verbose" in extra:
        # Everything on the console: Snakemake's rule listings and failed logs, tracebacks.
        extra = [arg for arg in extra if arg != "--verbose"]
        overrides = ["--show-failed-logs", "--quiet", "host"]
        env["INJURY_SURVEY_VERBOSE"] = "1"
    elif {"-n", "--dry-run"} & set(extra):
        overrides = ["--quiet", "host", "rules"]  # the profile hides the job list a dry run is for
    code = subprocess.call([snakemake, *profile, *extra, *overrides], cwd=ROOT, env=env)
    if code == 0 and not extra:
        report = ROOT / "results" / "report" / "snakemake_report.html"
        if not report.exists() or newest_result(exclude=report) > report.stat().st_mtime:
            report.parent.mkdir(parents=True, exist_ok=True)
            code = subprocess.call(
                [snakemake, "--cores", "1", "--report", str(report.relative_to(ROOT))],
                cwd=ROOT,
                env=env,
            )
        if code == 0:
            say("done: open results/index.html (notebooks) and results/report/report.html (report)")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
