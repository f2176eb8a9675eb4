"""facts.md section 5 written out once, as security-group rules the tests compare against.

A rule is ``(group, direction, protocol, from_port, to_port, peer)``; ``peer`` is
``sg:<group>`` or ``cidr:<block>``. Rules that depend on a stack's CIDRs are added by
each test.
"""

from __future__ import annotations

Rule = tuple[str, str, str, int | None, int | None, str]

CORE: set[Rule] = {
    ("cluster", "ingress", "udp", 4789, 4789, "sg:cluster"),  # Calico VXLAN, all nodes <-> all nodes
    ("cluster", "ingress", "tcp", 10250, 10250, "sg:cluster"),  # kubelet
    ("cluster", "ingress", "tcp", 5473, 5473, "sg:cluster"),  # Calico Typha
    ("cluster", "egress", "-1", None, None, "cidr:0.0.0.0/0"),  # nodes reach images/k0s
    ("controllers", "ingress", "tcp", 6443, 6443, "sg:cluster"),  # API from workers
    ("controllers", "ingress", "tcp", 8132, 8132, "sg:cluster"),  # konnectivity from workers
    ("controllers", "ingress", "tcp", 2380, 2380, "sg:controllers"),  # etcd peers: controllers only
    ("controllers", "ingress", "tcp", 9443, 9443, "sg:controllers"),  # join API: controllers only
}
"""Rules every cluster has."""

NLB: set[Rule] = {
    ("controllers", "ingress", "tcp", 6443, 6443, "sg:lb"),
    ("controllers", "ingress", "tcp", 9443, 9443, "sg:lb"),
    ("controllers", "ingress", "tcp", 8132, 8132, "sg:lb"),
    ("lb", "egress", "tcp", 6443, 6443, "sg:controllers"),
    ("lb", "egress", "tcp", 9443, 9443, "sg:controllers"),
    ("lb", "egress", "tcp", 8132, 8132, "sg:controllers"),
    ("lb", "ingress", "tcp", 6443, 6443, "sg:cluster"),
    ("lb", "ingress", "tcp", 8132, 8132, "sg:cluster"),
    ("lb", "ingress", "tcp", 9443, 9443, "sg:controllers"),  # join API through the LB: controllers only
}
"""Rules added by the API load balancer (IP targets: the NLB's own group is the source)."""
