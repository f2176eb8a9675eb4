"""A real OCI registry on loopback for tests (TEST FIXTURE): TLS from a test CA, htpasswd users.

Debian's ``docker-registry`` package (the CNCF distribution registry, 2.8) runs on
127.0.0.1 with a certificate signed by a throw-away CA (made with ``openssl``) and
bcrypt htpasswd credentials (``htpasswd`` from apache2-utils). Tests push small images and
Helm-chart artifacts into it with the registry HTTP API (:meth:`LoopbackRegistry.push_image`,
:meth:`push_chart`); nothing needs docker or network access beyond loopback.

    with LoopbackRegistry(tmp_path) as registry:      # or the ``loopback_registry`` fixture
        registry.push_image("mke/k0sproject/pause", "3.9")
        registry.host         # "127.0.0.1:<port>"
        registry.ca_pem       # the CA the server certificate chains to
        registry.auth_token   # base64 of "user:password" (what the scripts read on stdin)

``registry_problem()`` returns why the fixture cannot run here (then tests skip), after
installing the packages on first use (tests/support/debian_packages.py).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import platform
import socket
import ssl
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import pytest

from tests.support.debian_packages import ensure_commands

USER = "mke-pull"
PASSWORD = "s3cr3t-pull-password"  # test credentials of a throw-away registry
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def registry_problem() -> str | None:
    """Why a loopback registry cannot run here (None when it can)."""
    return ensure_commands({"docker-registry": "docker-registry", "htpasswd": "apache2-utils", "openssl": "openssl"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class LoopbackRegistry:
    """One distribution registry process with TLS and htpasswd auth, in ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.host = f"127.0.0.1:{self.port}"
        self._make_certificates()
        htpasswd = subprocess.run(
            ["htpasswd", "-niB", USER], input=PASSWORD, capture_output=True, text=True, check=True
        ).stdout
        (self.dir / "htpasswd").write_text(htpasswd)
        config = {
            "version": 0.1,
            "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(self.dir / "data")}, "delete": {"enabled": True}},
            "http": {
                "addr": self.host,
                "tls": {"certificate": str(self.dir / "server.crt"), "key": str(self.dir / "server.key")},
            },
            "auth": {"htpasswd": {"realm": "mke4k-test", "path": str(self.dir / "htpasswd")}},
        }
        (self.dir / "config.yml").write_text(json.dumps(config))  # YAML is a superset of JSON
        self._process = subprocess.Popen(
            ["docker-registry", "serve", str(self.dir / "config.yml")],
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "registry.log", "w"),  # noqa: SIM115 - closed with the process
        )
        self._context = ssl.create_default_context(cafile=str(self.dir / "ca.crt"))
        self._wait_ready()

    # ------------------------------------------------------------------ setup
    def _make_certificates(self) -> None:
        d = self.dir
        new_key = ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _openssl(*new_key, "-x509", "-keyout", str(d / "ca.key"), "-out", str(d / "ca.crt"), "-days", "2",
                 "-subj", "/CN=mke4k test registry CA")  # fmt: skip
        _openssl(*new_key, "-keyout", str(d / "server.key"), "-out", str(d / "server.csr"), "-subj", "/CN=127.0.0.1")
        (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
        _openssl("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.crt"), "-CAkey", str(d / "ca.key"),
                 "-CAcreateserial", "-out", str(d / "server.crt"), "-days", "2", "-extfile", str(d / "san.ext"))  # fmt: skip

    def _wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.dir / 'registry.log').read_text()[-500:]}")
            try:
                self.request("GET", "/v2/")
                return
            except (urllib.error.URLError, ConnectionError, ssl.SSLError):
                time.sleep(0.2)
        raise RuntimeError("docker-registry did not answer on /v2/ in time")

    # ------------------------------------------------------------------ API
    @property
    def ca_pem(self) -> str:
        """The test CA (PEM) the server certificate chains to."""
        return (self.dir / "ca.crt").read_text()

    @property
    def auth_token(self) -> str:
        """base64 of ``user:password``, the form the host scripts read on stdin."""
        return base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One authenticated HTTPS request to the registry; returns status, headers, body."""
        url = path if path.startswith("https://") else f"https://{self.host}{path}"
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        request.add_header("Authorization", f"Basic {self.auth_token}")
        try:
            with urllib.request.urlopen(request, context=self._context, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def _blob(self, name: str, data: bytes) -> dict[str, object]:
        digest = _digest(data)
        status, headers, _ = self.request("POST", f"/v2/{name}/blobs/uploads/")
        assert status == 202, f"upload start: HTTP {status}"
        location = headers["Location"]
        if not location.startswith("https://"):
            location = f"https://{self.host}{location}"
        separator = "&" if "?" in location else "?"
        status, _, _ = self.request(
            "PUT", f"{location}{separator}digest={digest}", data, {"Content-Type": "application/octet-stream"}
        )
        assert status == 201, f"blob {digest}: HTTP {status}"
        return {"digest": digest, "size": len(data)}

    def _manifest(self, name: str, tag: str, config: tuple[str, bytes], layer: tuple[str, bytes]) -> str:
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": config[0], **self._blob(name, config[1])},
            "layers": [{"mediaType": layer[0], **self._blob(name, layer[1])}],
        }
        body = json.dumps(manifest).encode()
        status, _, _ = self.request("PUT", f"/v2/{name}/manifests/{tag}", body, {"Content-Type": OCI_MANIFEST})
        assert status == 201, f"manifest {name}:{tag}: HTTP {status}"
        return _digest(body)

    def push_image(self, name: str, tag: str) -> str:
        """Push a one-layer image (one small file) as ``<host>/<name>:<tag>``; returns the manifest digest."""
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as archive:
            content = f"{name}:{tag}\n".encode()
            info = tarfile.TarInfo("mke4k-test.txt")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        layer = gzip.compress(raw.getvalue(), mtime=0)
        config = {
            "architecture": _ARCH.get(platform.machine(), platform.machine()),
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [_digest(raw.getvalue())]},
            "config": {"Cmd": ["/mke4k-test.txt"]},
        }
        return self._manifest(name, tag, (OCI_CONFIG, json.dumps(config).encode()), (OCI_LAYER, layer))

    def push_chart(self, name: str, version: str) -> str:
        """Push a Helm chart artifact (as ``helm push`` stores it) as ``<host>/<name>:<version>``."""
        chart_name = name.rsplit("/", 1)[-1]
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w:gz") as archive:
            content = f"apiVersion: v2\nname: {chart_name}\nversion: {version}\n".encode()
            info = tarfile.TarInfo(f"{chart_name}/Chart.yaml")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        config = json.dumps({"apiVersion": "v2", "name": chart_name, "version": version}).encode()
        return self._manifest(name, version.replace("+", "_"), (HELM_CONFIG, config), (HELM_LAYER, raw.getvalue()))

    def stop(self) -> None:
        """Stop the registry process."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def loopback_registry(tmp_path: Path) -> Iterator[LoopbackRegistry]:
    """A running :class:`LoopbackRegistry` for one test (skips with the reason when it cannot run here)."""
    problem = registry_problem()
    if problem:
        pytest.skip(f"no loopback registry: {problem}")
    with LoopbackRegistry(tmp_path / "registry") as registry:
        yield registry
