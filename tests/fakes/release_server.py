"""A local stand-in for https://github.com/k0sproject/k0s/releases/download (TEST FIXTURE).

Serves, on 127.0.0.1 only, for each configured version:
  /<version>/k0s-<version>-<arch>   the fake k0s (tests/fakes/k0s) with the version baked in
  /<version>/sha256sums.txt         real sha256 of what is served, lines "<hex> *<asset>"
Knobs: corrupt(version, arch) serves different bytes than the checksum says;
fail_next(n) answers the next n requests with HTTP 503; missing(version) answers 404
for everything under that version. Every request is recorded in `requests`.
The server thread is a daemon and `stop()` (or the context manager) shuts it down.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path
from typing import Self

FAKE_K0S = Path(__file__).with_name("k0s")
PLACEHOLDER = "__FAKE_K0S_VERSION__"
ARCHES = ("amd64", "arm64", "arm")


def fake_k0s_bytes(version: str) -> bytes:
    """The fake k0s executable with `version` baked in."""
    return FAKE_K0S.read_bytes().replace(PLACEHOLDER.encode(), version.encode(), 1)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReleaseServer:
    def __init__(self, versions):
        self.files: dict[str, bytes] = {}
        self._corrupt: set[str] = set()
        self._missing: set[str] = set()
        self._fail_next = 0
        self._lock = threading.Lock()
        self.requests: list[tuple[str, int]] = []
        for version in versions:
            for arch in ARCHES:
                self.files[f"/{version}/k0s-{version}-{arch}"] = fake_k0s_bytes(version)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = server._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # ------------------------------------------------------------- knobs
    def asset(self, version: str, arch: str) -> bytes:
        return self.files[f"/{version}/k0s-{version}-{arch}"]

    def corrupt(self, version: str, arch: str) -> None:
        self._corrupt.add(f"/{version}/k0s-{version}-{arch}")

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._fail_next = count

    def missing(self, version: str) -> None:
        self._missing.add(version)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def count(self, path_suffix: str) -> int:
        return sum(1 for path, _ in self.requests if path.endswith(path_suffix))

    # ------------------------------------------------------------- serving
    def _sums(self, version: str) -> bytes:
        lines = [
            f"{sha256_hex(data)} *{path.rsplit('/', 1)[1]}"
            for path, data in sorted(self.files.items())
            if path.startswith(f"/{version}/")
        ]
        return ("\n".join(lines) + "\n").encode()

    def _answer(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                status, body = 503, b"Service Unavailable\n"
            else:
                status, body = self._lookup(path)
            self.requests.append((path, status))
        return status, body

    def _lookup(self, path: str) -> tuple[int, bytes]:
        version = path.split("/")[1] if path.count("/") >= 2 else ""
        if version in self._missing:
            return 404, b"Not Found\n"
        if path == f"/{version}/sha256sums.txt" and any(p.startswith(f"/{version}/") for p in self.files):
            return 200, self._sums(version)
        if path in self.files:
            data = self.files[path]
            return 200, (data + b"\n# corrupted\n" if path in self._corrupt else data)
        return 404, b"Not Found\n"

    # ------------------------------------------------------------- lifecycle
    def start(self) -> ReleaseServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
