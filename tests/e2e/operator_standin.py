"""TEST STAND-IN for the operators that cannot run on the test control plane.

No tigera-operator, KCM controller or kubelet runs in the platform end-to-end test
(kwok only makes Pods look Running). The objects mke4k's readiness gates wait for
are written by those operators in a real cluster, so this stand-in writes them the
way the operators would, a few seconds after their trigger appears:

* ``installation/default`` exists → create ``tigerastatus/calico``; ``delay`` seconds
  later set its ``Available`` condition True (unless :attr:`calico_available` is False:
  then it never becomes Available, to test a gate that times out);
* the KCM controller Deployment exists → create ``management/kcm``; ``delay`` seconds
  later set ``Ready`` True.

It also records when each Helm release secret of interest was last seen, so the
test can check the order in which ``pulumi destroy`` uninstalls them.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from tests.e2e.control_plane import ControlPlane, ControlPlaneError


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class OperatorStandIn:
    """A background thread acting for tigera-operator and the KCM controller (see the module doc)."""

    plane: ControlPlane
    kcm_namespace: str
    kcm_deployment: str = "kcm-controller-manager"
    management_release: str = "kcm-1-2-0"
    delay: float = 4.0
    calico_available: bool = True
    #: Helm release name -> (namespace) whose ``sh.helm.release.v1.<name>.*`` secrets are watched.
    watched_releases: dict[str, str] = field(default_factory=dict)
    #: ``calico available`` / ``kcm ready`` -> wall-clock time (time.time()) it was set.
    marked: dict[str, float] = field(default_factory=dict)
    #: release name -> wall-clock time its release secrets were first seen gone (after being seen).
    release_gone: dict[str, float] = field(default_factory=dict)
    _seen: dict[str, float] = field(default_factory=dict, init=False)
    _present: set[str] = field(default_factory=set, init=False)
    _created: set[str] = field(default_factory=set, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    errors: list[str] = field(default_factory=list)

    def __enter__(self) -> OperatorStandIn:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except (ControlPlaneError, OSError, ValueError) as error:  # keep acting; report at the end
                self.errors.append(str(error))
            self._stop.wait(1.0)

    def _exists(self, *args: str) -> bool:
        return self.plane.kubectl("get", *args, "-o", "name", check=False, timeout=20).returncode == 0

    def _step(self) -> None:
        self._act(
            "calico",
            trigger=("installation.operator.tigera.io", "default"),
            obj={"apiVersion": "operator.tigera.io/v1", "kind": "TigeraStatus", "metadata": {"name": "calico"}},
            condition="Available",
            enabled=self.calico_available,
            mark="calico available",
        )
        self._act(
            "kcm",
            trigger=("deployment", self.kcm_deployment, "-n", self.kcm_namespace),
            obj={
                "apiVersion": "k0rdent.mirantis.com/v1beta1",
                "kind": "Management",
                "metadata": {"name": "kcm"},
                "spec": {"release": self.management_release},
            },
            condition="Ready",
            enabled=True,
            mark="kcm ready",
        )
        self._watch_releases()

    def _act(self, key: str, *, trigger: tuple[str, ...], obj: dict, condition: str, enabled: bool, mark: str) -> None:
        kind = f"{obj['kind'].lower()}/{obj['metadata']['name']}"
        if not self._exists(*trigger):
            self._seen.pop(key, None)
            self._created.discard(key)
            return
        if key not in self._created:
            # Created until it exists: a first try can fail while its CRD is still being established.
            if not self._exists(kind):
                self.plane.kubectl("create", "-f", "-", input_text=json.dumps(obj))
            self._created.add(key)
            self._seen[key] = time.monotonic()
            return
        if not enabled or mark in self.marked or time.monotonic() - self._seen[key] < self.delay:
            return
        status = {
            "status": {
                "conditions": [
                    {
                        "type": condition,
                        "status": "True",
                        "reason": "TestStandIn",
                        "message": "set by the e2e operator stand-in",
                        "lastTransitionTime": _now(),
                        "observedGeneration": 1,
                    }
                ]
            }
        }
        if obj["kind"] == "Management":
            del status["status"]["conditions"][0]["observedGeneration"]
        self.plane.kubectl("patch", kind, "--subresource=status", "--type=merge", "-p", json.dumps(status))
        self.marked[mark] = time.time()

    def _watch_releases(self) -> None:
        for release, namespace in self.watched_releases.items():
            found = self.plane.kubectl(
                "get", "secrets", "-n", namespace, "-l", f"owner=helm,name={release}", "-o", "name",
                check=False, timeout=20,
            )  # fmt: skip
            present = found.returncode == 0 and bool(found.stdout.strip())
            if present:
                self._present.add(release)
                self.release_gone.pop(release, None)
            elif release in self._present and release not in self.release_gone:
                self.release_gone[release] = time.time()
