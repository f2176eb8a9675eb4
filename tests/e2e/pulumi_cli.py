"""Run the real Pulumi engine (tools/engine) on a scratch copy of the mke4k program.

:class:`PulumiProject` copies ``__main__.py``, ``components/`` and ``Pulumi.yaml``
into a temporary directory (with ``runtime.options.virtualenv`` pointing at the
repository's ``.venv``), and runs ``pulumi`` there with the environment that
``tools/engine/env.sh`` sets up, except that:

* ``PULUMI_HOME`` is a temporary directory whose ``plugins`` is a symlink to the
  engine's plugin cache (so the kubernetes provider and the command stand-in are
  found, and nothing else of the shared home is touched);
* the backend is a temporary file backend and the passphrase a fixed test one.

The command provider is the TEST STAND-IN from tools/command-standin, not the
real pulumi-command provider (which cannot be built here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ENGINE_CACHE = Path(os.environ.get("MKE4K_ENGINE_CACHE", REPO / ".cache" / "engine"))
ENGINE_BIN = ENGINE_CACHE / "bin"
ENGINE_HOME = ENGINE_CACHE / "home"
STANDIN_BINARY = ENGINE_CACHE / "standin" / "pulumi-resource-command"
COMMAND_PLUGIN_DIR = ENGINE_HOME / "plugins" / "resource-command-v1.2.1"
VENV = REPO / ".venv"
PASSPHRASE = "mke4k-e2e-test-only"


def missing_engine_parts() -> list[str]:
    """What is missing to run the engine with the command stand-in (empty when ready)."""
    missing = [
        str(path)
        for path in (
            ENGINE_BIN / "pulumi",
            ENGINE_BIN / "pulumi-language-python",
            STANDIN_BINARY,
            COMMAND_PLUGIN_DIR / "pulumi-resource-command",
            VENV / "bin" / "python",
        )
        if not path.exists()
    ]
    return missing


class PulumiError(RuntimeError):
    """A pulumi command failed; the message carries its output."""


@dataclass
class Run:
    """One finished pulumi command."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr


@dataclass
class PulumiProject:
    """A scratch copy of the program, its own backend and PULUMI_HOME, and one stack."""

    stack: str = "e2e"
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mke4k-e2e-")))
    runs: list[Run] = field(default_factory=list)
    #: Another Pulumi program to copy instead of mke4k (a folder with Pulumi.yaml and __main__.py).
    program: Path | None = None
    #: A file backend shared with another project (for StackReferences); default: one of its own.
    backend: Path | None = None
    #: Extra environment for every pulumi command (e.g. HTTPS_PROXY).
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.project_dir = self.root / "project"
        self.home = self.root / "pulumi-home"
        self.backend = self.backend or self.root / "state"
        for path in (self.project_dir, self.home, self.backend):
            path.mkdir(parents=True, exist_ok=True)
        (self.home / "plugins").symlink_to(ENGINE_HOME / "plugins", target_is_directory=True)
        self._copy_program()

    # -- setup -----------------------------------------------------------------

    def _copy_program(self) -> None:
        source = self.program or REPO
        shutil.copy2(source / "__main__.py", self.project_dir / "__main__.py")
        if self.program is None:
            shutil.copytree(
                REPO / "components",
                self.project_dir / "components",
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        project = yaml.safe_load((source / "Pulumi.yaml").read_text())
        project.setdefault("runtime", {}).setdefault("options", {})["virtualenv"] = str(VENV)
        (self.project_dir / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))

    @property
    def stack_file(self) -> Path:
        """The stack's ``Pulumi.<stack>.yaml``."""
        return self.project_dir / f"Pulumi.{self.stack}.yaml"

    def env(self) -> dict[str, str]:
        """The environment tools/engine/env.sh would set, with this project's home and backend."""
        env = dict(os.environ)
        for key in [k for k in env if k.startswith("PULUMI_")]:
            del env[key]
        env.update(
            {
                "PATH": f"{ENGINE_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
                "MKE4K_ENGINE_CACHE": str(ENGINE_CACHE),
                "PULUMI_HOME": str(self.home),
                "PULUMI_BACKEND_URL": f"file://{self.backend}",
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                "NO_COLOR": "1",
                **self.extra_env,
            }
        )
        env.pop("VIRTUAL_ENV", None)
        return env

    def init_stack(self, config: Mapping[str, Any]) -> None:
        """Create the stack with ``config`` (the ``config:`` mapping of the stack file)."""
        self.pulumi("stack", "init", self.stack)
        self.set_config(config)

    # -- config ----------------------------------------------------------------

    def read_stack_file(self) -> dict[str, Any]:
        """The parsed stack file (``{}`` when absent)."""
        if not self.stack_file.exists():
            return {}
        return yaml.safe_load(self.stack_file.read_text()) or {}

    def set_config(self, config: Mapping[str, Any]) -> None:
        """Replace the plain config keys given in ``config``; keeps the salt and other keys."""
        data = self.read_stack_file()
        current = data.setdefault("config", {})
        current.update(config)
        self.stack_file.write_text(yaml.safe_dump(data, sort_keys=False))

    def config(self) -> dict[str, Any]:
        """The stack file's ``config:`` mapping (secrets stay encrypted)."""
        return dict(self.read_stack_file().get("config") or {})

    def set_secret(self, path: str, value: str) -> None:
        """``pulumi config set --secret --path PATH`` with the value on stdin (never in argv)."""
        self.pulumi("config", "set", "--secret", "--path", path, input_text=value)

    # -- running ---------------------------------------------------------------

    def pulumi(self, *args: str, check: bool = True, timeout: float = 600, input_text: str | None = None) -> Run:
        """Run ``pulumi ARGS --stack <stack>`` in the project; raise PulumiError on failure."""
        argv = ["pulumi", *args, "--non-interactive"]
        if args[:2] != ("stack", "init"):
            argv += ["--stack", self.stack]
        start = time.monotonic()
        proc = subprocess.run(
            argv,
            cwd=self.project_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            check=False,
        )
        run = Run(argv, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
        self.runs.append(run)
        if check and proc.returncode != 0:
            raise PulumiError(
                f"{' '.join(argv[:4])}... failed ({proc.returncode}) after {run.seconds:.1f}s:\n"
                f"{_diagnostics(proc.stdout)}\n--- stdout (end) ---\n{_tail(proc.stdout, 30)}\n"
                f"--- stderr ---\n{_tail(proc.stderr)}"
            )
        return run

    def up(self, *extra: str, check: bool = True) -> Run:
        """``pulumi up --yes --skip-preview``."""
        return self.pulumi("up", "--yes", "--skip-preview", *extra, check=check)

    def preview(self, *extra: str, check: bool = True) -> Run:
        """``pulumi preview``."""
        return self.pulumi("preview", *extra, check=check)

    def destroy(self) -> Run:
        """``pulumi destroy --yes --skip-preview``."""
        return self.pulumi("destroy", "--yes", "--skip-preview")

    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """``pulumi stack output --json``."""
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return json.loads(self.pulumi(*args).stdout or "{}")

    def resources(self) -> list[dict[str, Any]]:
        """The stack's resources from ``pulumi stack export`` (secrets stay encrypted)."""
        state = json.loads(self.pulumi("stack", "export").stdout)
        return list(state.get("deployment", {}).get("resources") or [])

    def cleanup(self) -> None:
        """Delete the scratch directory."""
        shutil.rmtree(self.root, ignore_errors=True)


def _diagnostics(text: str, lines: int = 120) -> str:
    """The ``Diagnostics:`` section of pulumi's output (empty when there is none)."""
    start = text.find("Diagnostics:")
    return "\n".join(text[start:].splitlines()[:lines]) if start >= 0 else ""


def _tail(text: str, lines: int = 80) -> str:
    return "\n".join(text.splitlines()[-lines:])


def argv_str(argv: Sequence[str]) -> str:
    """Join an argv for messages."""
    return " ".join(argv)
