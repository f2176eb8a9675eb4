"""A Helm chart repository on loopback, and a trap for anything that reaches past it.

:func:`chart_repository` packages chart folders (``helm package``), writes the
repository index (``helm repo index``) and serves the folder over HTTP on
127.0.0.1, recording every request path. :func:`egress_trap` is an HTTP(S) proxy on
127.0.0.1 that answers 403 to everything and records the target: a test points
``HTTP(S)_PROXY`` of the Pulumi process at it (loopback is never proxied), so any
attempt to fetch a chart from a public URL is both refused and on record.
"""

from __future__ import annotations

import contextlib
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.control_plane import CLUSTER_API_BIN, free_port


@dataclass
class RequestLog:
    """What a loopback server saw (thread-safe enough for append/read)."""

    entries: list[str] = field(default_factory=list)

    def add(self, entry: str) -> None:
        """Record one request."""
        self.entries.append(entry)


@dataclass(frozen=True)
class ChartRepository:
    """A running loopback Helm repository."""

    url: str
    root: Path
    log: RequestLog

    def downloads(self) -> list[str]:
        """The chart archives fetched so far (``tigera-operator-v3.30.2.tgz``, ...)."""
        return [path.rsplit("/", 1)[-1] for path in self.log.entries if path.endswith(".tgz")]


def package_charts(charts: Iterable[Path], out: Path, url: str) -> list[Path]:
    """``helm package`` every chart folder into ``out`` and index it for ``url``."""
    out.mkdir(parents=True, exist_ok=True)
    helm = str(CLUSTER_API_BIN / "helm")
    for chart in charts:
        subprocess.run([helm, "package", str(chart), "--destination", str(out)], check=True, capture_output=True)
    subprocess.run([helm, "repo", "index", str(out), "--url", url], check=True, capture_output=True)
    return sorted(out.glob("*.tgz"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    log_sink: RequestLog

    def log_message(self, format: str, *args: object) -> None:
        """Record instead of printing."""
        self.log_sink.add(self.path)


@contextlib.contextmanager
def chart_repository(charts: Iterable[Path], workdir: Path) -> Iterator[ChartRepository]:
    """Serve ``charts`` (folders) as a Helm repository on 127.0.0.1 until the block ends."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    root = workdir / "chart-repo"
    package_charts(charts, root, url)
    log = RequestLog()
    handler = type("Handler", (_QuietHandler,), {"log_sink": log})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), lambda *a: handler(*a, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ChartRepository(url=url, root=root, log=log)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(root, ignore_errors=True)


class _TrapHandler(http.server.BaseHTTPRequestHandler):
    log_sink: RequestLog

    def _refuse(self) -> None:
        self.log_sink.add(f"{self.command} {self.path}")
        self.send_error(403, "mke4k e2e: no traffic beyond loopback")

    do_CONNECT = do_GET = do_HEAD = do_POST = _refuse

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr log."""


@contextlib.contextmanager
def egress_trap() -> Iterator[tuple[str, RequestLog]]:
    """``(proxy URL, log)`` of a refusing HTTP(S) proxy on 127.0.0.1."""
    log = RequestLog()
    handler = type("Trap", (_TrapHandler,), {"log_sink": log})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
