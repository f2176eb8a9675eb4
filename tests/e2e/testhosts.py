"""Throwaway SSH "machines" for end-to-end tests, built from Linux namespaces.

Each host is a network namespace joined by a veth pair to a bridge that this
module creates (``mke4k-br0``, ``172.31.250.1/24`` in the root namespace), and
runs Debian's OpenSSH server on port 22 of its own address.  The sshd runs in
its own mount and UTS namespaces, where per-host directories are bind-mounted
over the paths k0s and mke4k write to (``/etc/k0s``, ``/usr/local/bin``,
``/run/k0s``, and ``/etc/systemd/system`` where k0s writes its service units,
which the scripts use to tell "installed", and the SSH user's home directory, whose
``.ssh/authorized_keys`` is the file sshd reads, so a key rotation edits the host's own
file and never this machine's), ``/var/lib`` and ``/var/log`` get
a per-host overlay (so ``/var/lib/k0s`` and ``/var/lib/mke4k`` start empty,
``k0s reset`` can delete the data directory itself, which a bind mount point
would refuse, and nothing a host writes there reaches this machine), and
``hostname`` is the host's name.  Paths in ``shared_dirs`` (under an overlaid
directory) are one directory shared by every host of the run, e.g. a call log
or a cluster-state directory; :meth:`TestHosts.shared_dir` gives its location.  The rest of the filesystem (``/usr/bin/python3``, bash,
coreutils, curl, ...) is shared with the root namespace.

Traffic stays on this machine: the /24 exists only on the bridge and inside the
namespaces.  Hosts get a default route via the bridge address only while IPv4
forwarding is off in the root namespace, so nothing can be routed beyond it.

Requires root, ``iproute2``, ``util-linux`` (``unshare``), ``openssh-server``
(``apt-get install -y openssh-server``) and ``openssh-client``.

Usage::

    with TestHosts(["c1", "w1", "w2"]) as hosts:
        print(hosts["c1"].run("hostname").stdout)
        w3 = hosts.add_host("w3")          # "add a worker" later on
        with hosts.http_server(release_dir) as url:
            hosts["w1"].run(f"curl -fsS {url}/k0s -o /usr/local/bin/k0s")

``python -m tests.e2e.testhosts`` runs a self-check of all of the above.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import ipaddress
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

#: Overridable from the environment so that two e2e runs on one machine (e.g. two
#: checkouts) do not share a bridge, a subnet or namespace names.
DEFAULT_BRIDGE = os.environ.get("MKE4K_E2E_BRIDGE", "mke4k-br0")
DEFAULT_SUBNET = os.environ.get("MKE4K_E2E_SUBNET", "172.31.250.0/24")
NETNS_PREFIX = os.environ.get("MKE4K_E2E_NETNS_PREFIX", "mke4k-")
#: Where the hosts' directories (keys, sshd configs, shared dirs) live.
WORKDIR_ROOT = os.environ.get("MKE4K_E2E_WORKDIR_ROOT", "/run")


def veth_prefix(bridge: str) -> str:
    """Host-side veth names, derived from the bridge so that two runs never share one."""
    return "v" + hashlib.sha256(bridge.encode()).hexdigest()[:5]


SSHD = "/usr/sbin/sshd"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"

#: Paths that get a private, initially empty directory on every host.
PER_HOST_DIRS: tuple[str, ...] = (
    "/etc/k0s",
    "/usr/local/bin",
    "/run/k0s",
    # k0s (and the fake k0s) write k0scontroller/k0sworker units here; the scripts
    # decide "installed" by them, so every host needs its own.
    "/etc/systemd/system",
    # Uploads land here (binarySource upload): one machine's /tmp is not another's.
    "/tmp",
)

#: Shared directories that get a per-host writable overlay (upper layer under the
#: host's ``root/``): writes stay on the host, and directories in them can be deleted.
OVERLAY_DIRS: tuple[str, ...] = ("/var/lib", "/var/log")

#: Directories created empty in a host's overlay (they exist on a fresh host).
OVERLAY_SUBDIRS: tuple[str, ...] = ("/var/lib/k0s", "/var/lib/mke4k")

_SSH_OPTIONS: tuple[str, ...] = (
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "ConnectTimeout=5",
    "-o",
    "LogLevel=ERROR",
)


class TestHostsError(RuntimeError):
    """Raised when a host cannot be set up or a command on it fails."""


def _run(args: Sequence[str], *, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run a local command, capturing text output."""
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise TestHostsError(
            f"{shlex.join(args)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc


@dataclass(frozen=True)
class Host:
    """One test host, reachable over SSH from the root namespace."""

    name: str
    address: str
    port: int
    user: str
    private_key: Path
    known_hosts: Path
    host_public_key: str
    host_dir: Path
    netns: str
    home: str = "/root"
    """The SSH user's home directory (a private, initially empty directory on this host)."""

    @property
    def authorized_keys(self) -> Path:
        """Where this machine sees the host's ``~/.ssh/authorized_keys`` (what sshd reads)."""
        return self.host_dir / "root" / self.home.lstrip("/") / ".ssh" / "authorized_keys"

    def ssh_args(self, *extra: str) -> list[str]:
        """Return an ``ssh`` argv for this host (command words go after it)."""
        return [
            "ssh",
            "-i",
            str(self.private_key),
            "-p",
            str(self.port),
            "-o",
            f"UserKnownHostsFile={self.known_hosts}",
            *_SSH_OPTIONS,
            *extra,
            f"{self.user}@{self.address}",
        ]

    def run(self, command: str, *, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a shell command on the host over SSH and capture its output."""
        proc = subprocess.run([*self.ssh_args(), command], capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise TestHostsError(f"{self.name}: {command!r} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc


@dataclass
class _HostState:
    """Bookkeeping for a running host (process handle, veth name)."""

    host: Host
    veth: str
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None


@dataclass
class TestHosts:
    """Create SSH test hosts in network namespaces; tear them down on exit.

    Use as a context manager (``with TestHosts([...]) as hosts``) or call
    :meth:`start` and :meth:`close` yourself, e.g. from a pytest fixture.
    """

    __test__ = False  # not a pytest test class despite the name

    names: Iterable[str] = ()
    bridge: str = DEFAULT_BRIDGE
    subnet: str = DEFAULT_SUBNET
    user: str = "root"
    startup_timeout: float = 15.0
    #: Paths (under an overlaid directory) bind-mounted to one directory shared by all hosts.
    shared_dirs: Iterable[str] = ()
    _network: ipaddress.IPv4Network = field(init=False, repr=False)
    _workdir: Path | None = field(default=None, init=False, repr=False)
    _hosts: dict[str, _HostState] = field(default_factory=dict, init=False, repr=False)
    _created_dirs: list[Path] = field(default_factory=list, init=False, repr=False)
    _bridge_created: bool = field(default=False, init=False, repr=False)
    _next_index: int = field(default=2, init=False, repr=False)
    _untouched: dict[Path, set[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._network = ipaddress.IPv4Network(self.subnet)
        self._home = pwd.getpwnam(self.user).pw_dir
        self.names = list(self.names)
        self.shared_dirs = tuple(self.shared_dirs)
        for path in self.shared_dirs:
            if not any(path.startswith(d.rstrip("/") + "/") for d in OVERLAY_DIRS):
                raise TestHostsError(f"shared dir {path} must be under one of {OVERLAY_DIRS}")

    # -- public API ---------------------------------------------------------

    @property
    def gateway(self) -> str:
        """The bridge address in the root namespace (reachable from hosts)."""
        return str(self._network.network_address + 1)

    @property
    def workdir(self) -> Path:
        """Temporary directory holding keys, host dirs and logs."""
        if self._workdir is None:
            raise TestHostsError("TestHosts is not started")
        return self._workdir

    @property
    def private_key(self) -> Path:
        """The client ed25519 key authorised for ``root`` on every host."""
        return self.workdir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        """known_hosts file listing every host's public host key."""
        return self.workdir / "known_hosts"

    @property
    def hosts(self) -> list[Host]:
        """All hosts, in creation order."""
        return [state.host for state in self._hosts.values()]

    def __getitem__(self, name: str) -> Host:
        return self._hosts[name].host

    def __iter__(self) -> Iterator[Host]:
        return iter(self.hosts)

    def __len__(self) -> int:
        return len(self._hosts)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Create the bridge, the client key and the initial hosts."""
        _check_prerequisites()
        if self._workdir is not None:
            raise TestHostsError("TestHosts already started")
        # Not under /tmp: every host gets its own /tmp, which would hide the keys and shared dirs.
        self._workdir = Path(tempfile.mkdtemp(prefix="mke4k-testhosts-", dir=WORKDIR_ROOT))
        try:
            _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "mke4k-e2e", "-f", str(self.private_key)])
            self.known_hosts.touch()
            for path in self.shared_dirs:
                self.shared_dir(path).mkdir(parents=True)
            self._create_bridge()
            for name in self.names:
                self.add_host(name)
        except BaseException:
            self.close()
            raise

    def add_host(self, name: str, *, silent: bool = False) -> Host:
        """Create and start one more host (also after :meth:`start`).

        ``silent``: instead of sshd, port 22 accepts TCP connections and never answers
        (a hung sshd, or a load balancer with nothing behind it).
        """
        if not name or len(name) > 32 or not name.replace("-", "").isalnum():
            raise TestHostsError(f"invalid host name {name!r}")
        if name in self._hosts:
            raise TestHostsError(f"host {name!r} already exists")
        index = self._next_index
        address = self._network.network_address + index
        if address not in self._network or address == self._network.broadcast_address:
            raise TestHostsError(f"subnet {self.subnet} is full")
        self._next_index += 1
        netns = f"{NETNS_PREFIX}{name}"
        host_dir = self.workdir / "hosts" / name
        host = Host(
            name=name,
            address=str(address),
            port=22,
            user=self.user,
            private_key=self.private_key,
            known_hosts=self.known_hosts,
            host_public_key="",
            host_dir=host_dir,
            netns=netns,
            home=self._home,
        )
        state = _HostState(host=host, veth=f"{veth_prefix(self.bridge)}-{index}")
        self._hosts[name] = state
        try:
            host = self._prepare_host_dir(host)
            state.host = host
            self._create_netns(state)
            if silent:
                self._start_silent_listener(state)
            else:
                self._start_sshd(state)
        except BaseException:
            self._destroy_host(state, errors=[])
            del self._hosts[name]
            raise
        return host

    def stop_sshd(self, name: str) -> None:
        """Stop host ``name``'s sshd (and all it started); the host stays on the network, port 22 refuses."""
        state = self._hosts[name]
        _kill_netns_processes(state.host.netns)
        if state.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                state.process.wait(timeout=5)

    def remove_host(self, name: str) -> None:
        """Stop one host and delete its namespace and directory."""
        state = self._hosts.pop(name)
        errors: list[str] = []
        self._destroy_host(state, errors)
        if errors:
            raise TestHostsError("; ".join(errors))

    def shared_dir(self, path: str) -> Path:
        """Where shared directory ``path`` (one of ``shared_dirs``) lives on this machine."""
        if path not in self.shared_dirs:
            raise TestHostsError(f"{path} is not one of the shared dirs {self.shared_dirs}")
        return self.workdir / "shared" / path.lstrip("/")

    @contextlib.contextmanager
    def http_server(self, directory: Path | str, port: int = 8080) -> Iterator[str]:
        """Serve ``directory`` over HTTP on the bridge address; yield its URL.

        The server listens on :attr:`gateway` in the root namespace only, so
        the hosts (and this process) can reach it, nothing else.
        """
        self.workdir  # noqa: B018 - raises if not started
        proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", "--bind", self.gateway, "--directory", str(directory), str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_for_port(self.gateway, port, 10.0, proc)
            yield f"http://{self.gateway}:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        """Tear everything down; safe to call more than once."""
        errors: list[str] = []
        for name in reversed(list(self._hosts)):
            self._destroy_host(self._hosts.pop(name), errors)
        if self._bridge_created:
            proc = _run(["ip", "link", "del", self.bridge], check=False)
            if proc.returncode != 0:
                errors.append(f"deleting bridge: {proc.stderr.strip()}")
            self._bridge_created = False
        for path in reversed(self._created_dirs):
            with contextlib.suppress(OSError):
                path.rmdir()  # only if still empty
        self._created_dirs.clear()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        errors.extend(self._leaks())
        if errors:
            raise TestHostsError("teardown: " + "; ".join(errors))

    def _leaks(self) -> list[str]:
        """Files a host wrote to this machine's own per-host directories (a mount that did not hold)."""
        leaked = []
        for directory, before in self._untouched.items():
            for name in sorted(set(os.listdir(directory)) - before if directory.is_dir() else ()):
                leaked.append(f"{directory / name} leaked onto this machine (removed)")
                path = directory / name
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        self._untouched.clear()
        return leaked

    # -- internals ----------------------------------------------------------

    def _create_bridge(self) -> None:
        if Path(f"/sys/class/net/{self.bridge}").exists():
            raise TestHostsError(
                f"bridge {self.bridge} already exists (a previous run left it?); "
                f"remove it with `python -m tests.e2e.testhosts --cleanup`"
            )
        _run(["ip", "link", "add", self.bridge, "type", "bridge"])
        self._bridge_created = True
        _run(["ip", "addr", "add", f"{self.gateway}/{self._network.prefixlen}", "dev", self.bridge])
        _run(["ip", "link", "set", self.bridge, "up"])

    def _prepare_host_dir(self, host: Host) -> Host:
        ssh_dir = host.host_dir / "ssh"
        ssh_dir.mkdir(parents=True, mode=0o700)
        for target in self._per_host_dirs:
            (host.host_dir / "root" / target.lstrip("/")).mkdir(parents=True)
            self._ensure_mountpoint(Path(target))
            if target not in ("/tmp", self._home):  # this machine's own /tmp and home change all the time
                self._untouched.setdefault(Path(target), set(os.listdir(target)))
        (host.host_dir / "root" / "tmp").chmod(0o1777)
        for target in OVERLAY_DIRS:
            (host.host_dir / "root" / target.lstrip("/")).mkdir(parents=True, exist_ok=True)
            (host.host_dir / "overlay-work" / target.lstrip("/")).mkdir(parents=True)
        for target in (*OVERLAY_SUBDIRS, *self.shared_dirs):
            (host.host_dir / "root" / target.lstrip("/")).mkdir(parents=True, exist_ok=True)
        key = ssh_dir / "ssh_host_ed25519_key"
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{host.name}-hostkey", "-f", str(key)])
        pub = key.with_suffix(".pub").read_text().split()
        host_public_key = f"{pub[0]} {pub[1]}"
        host.authorized_keys.parent.mkdir(mode=0o700)
        shutil.copyfile(self.private_key.with_suffix(".pub"), host.authorized_keys)
        host.authorized_keys.chmod(0o600)
        (ssh_dir / "sshd_config").write_text(
            "\n".join(
                [
                    f"ListenAddress {host.address}:{host.port}",
                    f"HostKey {key}",
                    "AuthorizedKeysFile .ssh/authorized_keys",
                    f"PidFile {host.host_dir / 'sshd.pid'}",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "PrintMotd no",
                    "AcceptEnv LANG LC_*",
                    f"Subsystem sftp {SFTP_SERVER}",
                    "",
                ]
            )
        )
        with self.known_hosts.open("a") as f:
            f.write(f"{host.address} {host_public_key}\n")
        launcher = host.host_dir / "launch.sh"
        overlays = [
            "mount -t overlay overlay -o "
            + shlex.quote(
                f"lowerdir={t},upperdir={host.host_dir / 'root' / t.lstrip('/')},"
                f"workdir={host.host_dir / 'overlay-work' / t.lstrip('/')}"
            )
            + f" {t}"
            for t in OVERLAY_DIRS
        ]
        binds = [
            f"mount --bind {shlex.quote(str(host.host_dir / 'root' / t.lstrip('/')))} {shlex.quote(t)}"
            for t in self._per_host_dirs
        ]
        shared = [f"mount --bind {shlex.quote(str(self.shared_dir(t)))} {shlex.quote(t)}" for t in self.shared_dirs]
        mounts = "\n".join([*overlays, *binds, *shared])
        launcher.write_text(
            "#!/bin/sh\n"
            "# Runs inside the host's netns + private mount and UTS namespaces.\n"
            "set -e\n"
            f"hostname {shlex.quote(host.name)}\n"
            f"{mounts}\n"
            "mkdir -p /run/sshd\n"
            f"exec {SSHD} -D -e -f {shlex.quote(str(ssh_dir / 'sshd_config'))}\n"
        )
        launcher.chmod(0o755)
        return dataclasses.replace(host, host_public_key=host_public_key)

    @property
    def _per_host_dirs(self) -> tuple[str, ...]:
        """PER_HOST_DIRS and the SSH user's home directory."""
        return (*PER_HOST_DIRS, self._home)

    def _ensure_mountpoint(self, path: Path) -> None:
        """Create an empty mount-point directory in the shared filesystem."""
        missing: list[Path] = []
        probe = path
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for directory in reversed(missing):
            directory.mkdir()
            self._created_dirs.append(directory)

    def _create_netns(self, state: _HostState) -> None:
        host = state.host
        if Path(f"/run/netns/{host.netns}").exists():
            raise TestHostsError(f"network namespace {host.netns} already exists")
        _run(["ip", "netns", "add", host.netns])
        netns = ["ip", "netns", "exec", host.netns]
        _run(["ip", "link", "add", state.veth, "type", "veth", "peer", "name", "eth0", "netns", host.netns])
        _run(["ip", "link", "set", state.veth, "master", self.bridge])
        _run(["ip", "link", "set", state.veth, "up"])
        _run([*netns, "ip", "link", "set", "lo", "up"])
        _run([*netns, "ip", "addr", "add", f"{host.address}/{self._network.prefixlen}", "dev", "eth0"])
        _run([*netns, "ip", "link", "set", "eth0", "up"])
        if Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() == "0":
            # k0s picks the node address from the default route; with
            # forwarding off in the root namespace nothing leaves the bridge.
            _run([*netns, "ip", "route", "add", "default", "via", self.gateway])

    def _start_sshd(self, state: _HostState) -> None:
        host = state.host
        state.log = host.host_dir / "sshd.log"
        with state.log.open("wb") as log:
            state.process = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    host.netns,
                    "unshare",
                    "--mount",
                    "--uts",
                    "--propagation",
                    "private",
                    "--",
                    str(host.host_dir / "launch.sh"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_port(host.address, host.port, self.startup_timeout, state.process)
        except TestHostsError as exc:
            raise TestHostsError(f"{host.name}: sshd did not start: {exc}\n{state.log.read_text()}") from exc

    def _start_silent_listener(self, state: _HostState) -> None:
        host = state.host
        state.log = host.host_dir / "silent.log"
        program = (
            "import socket, time\n"
            "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            f"s.bind(({host.address!r}, {host.port})); s.listen(64)\n"
            "held = []\n"
            "while True:\n"
            "    held.append(s.accept()[0])  # accept, never answer\n"
        )
        host.host_dir.mkdir(parents=True, exist_ok=True)
        with state.log.open("wb") as log:
            state.process = subprocess.Popen(
                ["ip", "netns", "exec", host.netns, sys.executable, "-c", program],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_port(host.address, host.port, self.startup_timeout, state.process)

    def _destroy_host(self, state: _HostState, errors: list[str]) -> None:
        host = state.host
        if Path(f"/run/netns/{host.netns}").exists():
            _kill_netns_processes(host.netns)
        if state.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(state.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                state.process.wait(timeout=5)
        if Path(f"/run/netns/{host.netns}").exists():
            proc = _run(["ip", "netns", "del", host.netns], check=False)
            if proc.returncode != 0:
                errors.append(f"{host.name}: ip netns del: {proc.stderr.strip()}")
        if Path(f"/sys/class/net/{state.veth}").exists():
            _run(["ip", "link", "del", state.veth], check=False)
        shutil.rmtree(host.host_dir, ignore_errors=True)


def _check_prerequisites() -> None:
    if os.geteuid() != 0:
        raise TestHostsError("TestHosts needs root (network namespaces, mounts)")
    missing = [tool for tool in ("ip", "unshare", "ssh", "ssh-keygen") if shutil.which(tool) is None]
    if not Path(SSHD).exists():
        missing.append(f"{SSHD} (apt-get install -y openssh-server)")
    if missing:
        raise TestHostsError("missing: " + ", ".join(missing))


def _kill_netns_processes(netns: str) -> None:
    """SIGKILL every process in ``netns`` (sshd and all it started)."""
    for _ in range(10):
        proc = _run(["ip", "netns", "pids", netns], check=False)
        pids = [int(p) for p in proc.stdout.split()]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def _wait_for_port(address: str, port: int, timeout: float, process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise TestHostsError(f"process exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise TestHostsError(f"{address}:{port} not reachable after {timeout}s")
        time.sleep(0.1)


def cleanup_stale(bridge: str = DEFAULT_BRIDGE) -> list[str]:
    """Remove namespaces and the bridge left behind by a killed run."""
    removed: list[str] = []
    listing = _run(["ip", "netns", "list"], check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(NETNS_PREFIX):
            _kill_netns_processes(name)
            _run(["ip", "netns", "del", name], check=False)
            removed.append(f"netns {name}")
    if Path(f"/sys/class/net/{bridge}").exists():
        _run(["ip", "link", "del", bridge], check=False)
        removed.append(f"bridge {bridge}")
    return removed


def _self_check() -> None:
    """Exercise the harness: isolation, add-a-host, HTTP from the gateway."""
    with TestHosts(["c1", "w1", "w2"]) as hosts:
        for host in hosts:
            out = host.run("hostname; ls -A /etc/k0s /usr/local/bin; command -v python3 bash curl").stdout
            print(f"[{host.name} {host.address}] {out.strip()!r}")
            assert out.splitlines()[0] == host.name, out
        hosts["c1"].run("echo from-c1 > /var/lib/k0s/marker")
        seen = hosts["w1"].run("ls -A /var/lib/k0s").stdout.strip()
        assert seen == "", f"w1 sees c1's /var/lib/k0s: {seen!r}"
        assert (hosts["c1"].host_dir / "root/var/lib/k0s/marker").exists()
        assert not Path("/var/lib/k0s/marker").exists()
        print("isolation: c1's /var/lib/k0s/marker is invisible on w1 and the root ns")
        hosts["c1"].run("echo '# c1 only' >> ~/.ssh/authorized_keys")
        assert hosts["c1"].authorized_keys.read_text().endswith("# c1 only\n")
        assert "# c1 only" not in hosts["w1"].run("cat ~/.ssh/authorized_keys").stdout
        print("isolation: c1's ~/.ssh/authorized_keys (what its sshd reads) is its own")
        w3 = hosts.add_host("w3")
        print(f"added {w3.name} at {w3.address}: {w3.run('hostname').stdout.strip()}")
        release = hosts.workdir / "release"
        release.mkdir()
        (release / "hello.txt").write_text("release-ok\n")
        with hosts.http_server(release) as url:
            got = hosts["w3"].run(f"curl -fsS {url}/hello.txt").stdout.strip()
            print(f"w3: curl {url}/hello.txt -> {got!r}")
            assert got == "release-ok"
    print("self-check passed; teardown done")


if __name__ == "__main__":
    if "--cleanup" in sys.argv[1:]:
        print("\n".join(cleanup_stale()) or "nothing to clean")
    else:
        _self_check()
