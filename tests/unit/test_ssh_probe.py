"""The runner-side SSH probe against real loopback servers: a banner, silence, a closed port."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

from components.k0s.runner import SSH_PROBE


@contextlib.contextmanager
def server(banner: bytes | None) -> Iterator[int]:
    """A loopback TCP server that sends ``banner`` to every client (None: accepts and stays silent)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(client)
            if banner is not None:
                client.sendall(banner)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for client in held:
            client.close()
        listener.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_probe(
    *targets: str, timeout: float = 3, banner_timeout: float = 1
) -> tuple[subprocess.CompletedProcess, float]:
    """Run the probe the way its step does: ``python3 -`` with the program on stdin."""
    argv = [sys.executable, "-", "--label", "w1 ssh-probe", "--timeout", str(timeout)]
    argv += ["--banner-timeout", str(banner_timeout), "--fix", "see the guide"]
    for target in targets:
        argv += ["--target", target]
    start = time.monotonic()
    result = subprocess.run(argv, input=SSH_PROBE.read_text(), capture_output=True, text=True, timeout=60)
    return result, time.monotonic() - start


def test_an_ssh_server_passes_at_once():
    with server(b"SSH-2.0-OpenSSH_9.2\r\n") as port:
        result, _ = run_probe(f"w1=127.0.0.1:{port}")
    assert result.returncode == 0, result.stderr
    assert "answers SSH after" not in result.stderr, "a quick answer needs no progress line"


def test_a_host_that_accepts_tcp_and_never_answers_fails_in_bounded_time_naming_it():
    with server(None) as port:
        result, seconds = run_probe(f"w1=127.0.0.1:{port}", timeout=3, banner_timeout=1)
    assert result.returncode == 1
    assert seconds < 3 + 1 + 8, f"bounded by --timeout plus one banner wait (and a loaded machine), took {seconds:.1f}s"
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"mke4k: [w1 ssh-probe] error: w1 (127.0.0.1:{port}) does not answer SSH: ")
    assert "accepted TCP but sent no SSH banner within 1s" in error
    assert "Fix: check that w1 is up, sshd runs and port" in error and "see the guide" in error


def test_a_closed_port_is_retried_until_the_timeout_then_named():
    port = closed_port()
    result, seconds = run_probe(f"w1=127.0.0.1:{port}", timeout=2)
    assert result.returncode == 1
    assert seconds >= 2, "it keeps trying until --timeout"
    assert "refused or unreachable" in result.stderr


def test_something_that_is_not_ssh_is_reported_as_such():
    with server(b"HTTP/1.1 400 Bad Request\r\n") as port:
        result, _ = run_probe(f"w1=127.0.0.1:{port}", timeout=1)
    assert result.returncode == 1
    assert "answered, but not with SSH" in result.stderr and "HTTP/1.1 400" in result.stderr


def test_every_target_must_answer_and_the_failing_one_is_named():
    with server(b"SSH-2.0-x\r\n") as good, server(None) as silent:
        result, _ = run_probe(f"w1=127.0.0.1:{good}", f"c1 (bootstrap controller)=127.0.0.1:{silent}", timeout=1)
    assert result.returncode == 1
    assert f"c1 (bootstrap controller) (127.0.0.1:{silent}) does not answer SSH" in result.stderr
    assert f"w1 (127.0.0.1:{good}) does not answer" not in result.stderr


def test_a_server_that_comes_up_later_is_waited_for():
    port = closed_port()
    started = threading.Event()

    def late_server() -> None:
        time.sleep(1.5)
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", port))
            listener.listen()
            started.set()
            client, _ = listener.accept()
            client.sendall(b"SSH-2.0-late\r\n")
            client.close()

    thread = threading.Thread(target=late_server, daemon=True)
    thread.start()
    result, _ = run_probe(f"w1=127.0.0.1:{port}", timeout=10)
    thread.join(5)
    assert started.is_set()
    assert result.returncode == 0, result.stderr
