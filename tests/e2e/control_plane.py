"""A real Kubernetes control plane on this machine, for the platform end-to-end tests.

:class:`ControlPlane` starts etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and kwok (built by ``tools/cluster-api/build.sh`` into
``.cache/cluster-api/bin``) with certificates generated for the run, waits until
the API server answers ``/readyz``, creates one fake node that kwok keeps Ready
(so Deployments and DaemonSets become Available; no kubelet, container runtime or
CNI runs), and yields an admin kubeconfig. Everything is torn down on exit, also
when start-up fails half way.

etcd listens on loopback only; the API server binds ``bind_address`` (loopback by
default; the platform scenario binds the bridge address of its network-namespace
test hosts, so that ``k0s kubectl`` on a test host reaches it too).

``python -m tests.e2e.control_plane`` starts one, prints ``kubectl get nodes`` and
stops it (a self-check).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

REPO = Path(__file__).resolve().parents[2]
CLUSTER_API_BIN = Path(os.environ.get("MKE4K_CLUSTER_API_CACHE", REPO / ".cache" / "cluster-api")) / "bin"
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok", "helm")
FAKE_NODE = "kwok-node-0"
SERVICE_CIDR = "10.96.0.0/16"


class ControlPlaneError(RuntimeError):
    """The control plane could not be started, or a kubectl call failed."""


def missing_binaries() -> list[str]:
    """Binaries of the toolchain that are not built yet (empty when ready)."""
    return [str(CLUSTER_API_BIN / name) for name in BINARIES if not (CLUSTER_API_BIN / name).exists()]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ControlPlaneError(f"openssl {' '.join(args[:2])} failed: {proc.stderr.strip()}")


def make_certificates(pki: Path, addresses: Sequence[str]) -> None:
    """A CA, the API server's serving certificate (SANs: ``addresses`` + in-cluster names),
    an admin client certificate (``system:masters``) and the service-account key pair."""
    pki.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "2", "-subj", "/CN=mke4k-e2e-ca", cwd=pki)  # fmt: skip
    sans = ",".join(
        [f"IP:{a}" for a in addresses]
        + ["IP:10.96.0.1", "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc"]
    )
    certs = {
        "apiserver": ("/CN=kube-apiserver", f"subjectAltName={sans}\nextendedKeyUsage=serverAuth"),
        "admin": ("/O=system:masters/CN=mke4k-e2e-admin", "extendedKeyUsage=clientAuth"),
    }
    for name, (subject, extensions) in certs.items():
        (pki / f"{name}.ext").write_text(extensions + "\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", subject, cwd=pki)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=pki)  # fmt: skip
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    for key in pki.glob("*.key"):
        key.chmod(0o600)


def admin_kubeconfig(server: str, pki: Path) -> str:
    """An admin kubeconfig for ``server`` with the certificates embedded (no file paths)."""
    import base64

    def b64(name: str) -> str:
        return base64.b64encode((pki / name).read_bytes()).decode()

    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: e2e\n  cluster:\n    server: {server}\n    certificate-authority-data: {b64('ca.crt')}\n"
        f"users:\n- name: admin\n  user:\n    client-certificate-data: {b64('admin.crt')}\n"
        f"    client-key-data: {b64('admin.key')}\n"
        "contexts:\n- name: e2e\n  context:\n    cluster: e2e\n    user: admin\ncurrent-context: e2e\n"
    )


@dataclass
class ControlPlane:
    """etcd + kube-apiserver + controller-manager + scheduler + kwok; a context manager."""

    bind_address: str = "127.0.0.1"
    startup_timeout: float = 90.0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mke4k-control-plane-")))
    _processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list, init=False, repr=False)
    api_port: int = field(default=0, init=False)

    @property
    def server(self) -> str:
        """The API server URL."""
        return f"https://{self.bind_address}:{self.api_port}"

    @property
    def kubeconfig_path(self) -> Path:
        """The admin kubeconfig file (0600)."""
        return self.workdir / "admin.kubeconfig"

    @property
    def kubeconfig(self) -> str:
        """The admin kubeconfig text (a secret: never log it)."""
        return self.kubeconfig_path.read_text()

    @property
    def kubectl_binary(self) -> Path:
        """The kubectl built with the control plane."""
        return CLUSTER_API_BIN / "kubectl"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Start every component; on any failure stop what was started and raise."""
        missing = missing_binaries()
        if missing:
            raise ControlPlaneError("toolchain not built (make cluster-api): missing " + ", ".join(missing))
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        pki = self.workdir / "pki"
        make_certificates(pki, sorted({"127.0.0.1", self.bind_address}))
        etcd_client, etcd_peer = free_port(), free_port()
        self.api_port = free_port(self.bind_address)
        self._spawn(
            "etcd",
            "--name=e2e",
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls=http://127.0.0.1:{etcd_client}",
            f"--advertise-client-urls=http://127.0.0.1:{etcd_client}",
            f"--listen-peer-urls=http://127.0.0.1:{etcd_peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer}",
            f"--initial-cluster=e2e=http://127.0.0.1:{etcd_peer}",
            "--listen-metrics-urls=",
            "--log-level=warn",
        )
        self._spawn(
            "kube-apiserver",
            f"--etcd-servers=http://127.0.0.1:{etcd_client}",
            f"--bind-address={self.bind_address}",
            f"--advertise-address={self.bind_address}",
            f"--secure-port={self.api_port}",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            "--profiling=false",
        )
        self.kubeconfig_path.write_text(admin_kubeconfig(self.server, pki))
        self.kubeconfig_path.chmod(0o600)
        self._wait_ready()
        common = [f"--kubeconfig={self.kubeconfig_path}", "--leader-elect=false"]
        self._spawn(
            "kube-controller-manager",
            *common,
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            "--use-service-account-credentials=false",
            # Off: node IPAM/lifecycle and cloud controllers (kwok owns the node), and
            # ClusterRole aggregation: its server-side apply re-creates aggregated roles a
            # chart uninstall has just deleted (KCM's *-admin/editor/viewer-role), and Helm
            # then waits for them until it times out.
            "--controllers=*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-route,-service,-clusterrole-aggregation",
            "--secure-port=0",
        )
        self._spawn("kube-scheduler", *common, "--secure-port=0")
        self._spawn(
            "kwok",
            f"--kubeconfig={self.kubeconfig_path}",
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--cidr=10.0.0.1/24",
            "--node-ip=10.0.0.1",
        )
        self.kubectl("apply", "-f", "-", input_text=_FAKE_NODE)
        self.kubectl("wait", "--for=condition=Ready", f"node/{FAKE_NODE}", "--timeout=60s", timeout=90)
        # The TaintNodesByCondition admission plugin taints every new node
        # not-ready; the node lifecycle controller that would lift it is off (so a kwok
        # heartbeat late on a busy machine cannot taint or evict), so lift it here.
        self.kubectl("taint", "node", FAKE_NODE, "node.kubernetes.io/not-ready:NoSchedule-")

    def _spawn(self, name: str, *args: str) -> None:
        log = (self.workdir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(CLUSTER_API_BIN / name), *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._processes.append((name, process))

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            for name, process in self._processes:
                if process.poll() is not None:
                    raise ControlPlaneError(f"{name} exited ({process.returncode}): {self.log_tail(name)}")
            probe = self.kubectl("get", "--raw=/readyz", check=False, timeout=10)
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise ControlPlaneError(
                    f"kube-apiserver not ready within {self.startup_timeout:.0f}s: {probe.stderr.strip()}\n"
                    + self.log_tail("kube-apiserver")
                )
            time.sleep(1)

    def log_tail(self, name: str, lines: int = 20) -> str:
        """The last lines of a component's log."""
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        """Stop every component (newest first) and delete the working directory."""
        for _, process in reversed(self._processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 15)
        for _, process in reversed(self._processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 9)
                process.wait(timeout=5)
        self._processes.clear()
        if os.environ.get("MKE4K_E2E_KEEP") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- kubectl -----------------------------------------------------------------

    def kubectl(
        self, *args: str, check: bool = True, timeout: float = 60, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the built kubectl with the admin kubeconfig."""
        proc = subprocess.run(
            [str(self.kubectl_binary), f"--kubeconfig={self.kubeconfig_path}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input_text,
            check=False,
        )
        if check and proc.returncode != 0:
            raise ControlPlaneError(f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc


_FAKE_NODE = f"""\
apiVersion: v1
kind: Node
metadata:
  name: {FAKE_NODE}
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: {FAKE_NODE}
    node-role.kubernetes.io/control-plane: ""
    type: kwok
spec: {{}}
"""


@contextlib.contextmanager
def control_plane(bind_address: str = "127.0.0.1") -> Iterator[ControlPlane]:
    """``with control_plane() as cp:`` — a started :class:`ControlPlane`, stopped on exit."""
    with ControlPlane(bind_address=bind_address) as plane:
        yield plane


if __name__ == "__main__":
    started = time.monotonic()
    with control_plane() as plane:
        print(f"control plane up in {time.monotonic() - started:.1f}s at {plane.server}")
        print(plane.kubectl("get", "nodes", "-o", "wide").stdout)
        print(plane.kubectl("version").stdout)
