"""Addresses and names (issue 10, item 4), each rule from its reason, not from the code.

* The API is reached at ``https://<address>:6443`` (facts.md section 4: the kubeconfig's
  server), so the external address and SANs are bare host names or IPv4 addresses: a URL
  or a port would end up as ``https://https://…:6443:6443``.
* MKE 4k's profile is IPv4 only (facts.md section 2): no IPv6 address or source CIDR.
* A node's private address is its etcd peer and API address (facts.md section 4): a
  loopback or link-local address cannot be reached by the other nodes, and k0s requires
  ``spec.api.address`` to be an IP address (k0s APISpec.Validate: "is not IP address").
"""

from __future__ import annotations

import pytest

from tests.support.settings_cases import at, aws_baseline, load, single_issue, static_baseline


@pytest.mark.parametrize(
    ("value", "phrases"),
    [
        ("https://api.example.com", ("is a URL", "give only the host: api.example.com")),
        ("https://api.example.com:6443/", ("is a URL", "api.example.com")),
        ("api.example.com:6443", ("carries a port", "always 6443")),
        (" api.example.com", ("whitespace",)),
        ("api example.com", ("whitespace",)),
        ("fd00::10", ("IPv6", "IPv4 only")),
        ("10.0.0.300", ("mistyped IPv4",)),
        ("10.0.0", ("mistyped IPv4",)),
        ("api_server.example.com", ("not a valid host name",)),
        ("10.0.0.0/24", ("network or a path",)),
        ("", ("is empty",)),
    ],
)
def test_api_external_address_is_a_bare_host(value: str, phrases: tuple[str, ...]) -> None:
    """apiExternalAddress becomes https://<it>:6443 in the kubeconfig: only a host name or an IPv4 address."""
    single_issue(at(static_baseline(), "apiExternalAddress", value), "apiExternalAddress", *phrases)


@pytest.mark.parametrize("value", ["api.example.com", "10.0.0.5", "lab-api.example.internal", "LB-1.Example.COM"])
def test_api_external_address_accepts_names_and_ipv4(value: str) -> None:
    """Host names (any case) and IPv4 addresses pass through unchanged."""
    assert load(at(static_baseline(), "apiExternalAddress", value)).api_external_address == value


def test_san_problems_name_the_list_item() -> None:
    """Each SAN is checked on its own; the issue names the item."""
    raw = at(static_baseline(), "k0s.apiSans", ["lab-api.example.internal", "https://lb.example.com"])
    single_issue(raw, "k0s.apiSans[1]", "is a URL", "lb.example.com")


def test_ipv6_san_is_refused_while_the_profile_is_ipv4_only() -> None:
    single_issue(at(static_baseline(), "k0s.apiSans", ["2001:db8::1"]), "k0s.apiSans[0]", "IPv6", "IPv4 only")


@pytest.mark.parametrize(
    ("field", "value", "phrases"),
    [
        ("address", "10.40.0.256", ("mistyped IPv4",)),
        ("address", "ssh://10.40.0.21", ("is a URL",)),
        ("address", "10.40.0.21:2222", ("carries a port", "sshPort")),
        ("privateAddress", "10.40.0.321", ("mistyped IPv4",)),
    ],
)
def test_static_host_addresses(field: str, value: str, phrases: tuple[str, ...]) -> None:
    """A host's address is a host name or an IPv4 address; an SSH port goes in sshPort."""
    raw = at(static_baseline(), f"hosts.static.hosts.3.{field}", value)
    single_issue(raw, f"hosts.static.hosts[3].{field}", *phrases)


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("127.0.0.1", "loopback"),
        ("127.10.0.5", "loopback"),
        ("169.254.10.10", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.5", "multicast"),
    ],
)
def test_unreachable_private_address_is_refused(value: str, what: str) -> None:
    """The private address is what the other nodes use (etcd peer, API): they cannot reach these."""
    raw = at(static_baseline(), "hosts.static.hosts.1.privateAddress", value)
    single_issue(raw, "hosts.static.hosts[1].privateAddress", value, what, "other nodes")


def test_loopback_address_without_private_address_is_refused_at_the_address() -> None:
    """With no privateAddress the SSH address is also the node's address; the fix says to add privateAddress."""
    raw = at(static_baseline(), "hosts.static.hosts.0.address", "127.0.0.1")
    single_issue(raw, "hosts.static.hosts[0].address", "loopback", "give privateAddress")


def test_loopback_ssh_address_with_a_real_private_address_is_fine() -> None:
    """SSH through a local tunnel (127.0.0.1 + sshPort) is fine when privateAddress says where the node is."""
    raw = at(static_baseline(), "hosts.static.hosts.3.address", "127.0.0.1")
    raw = at(raw, "hosts.static.hosts.3.privateAddress", "10.40.0.31")
    raw = at(raw, "hosts.static.hosts.3.sshPort", 2203)
    host = load(raw).hosts.static.hosts[3]
    assert (host.address, host.private_address, host.ssh_port) == ("127.0.0.1", "10.40.0.31", 2203)


def test_controller_private_address_must_be_an_ip() -> None:
    """k0s refuses a non-IP spec.api.address: a controller reached by name needs privateAddress."""
    raw = at(static_baseline(), "hosts.static.hosts.1.address", "manager-2.lab.example")
    single_issue(raw, "hosts.static.hosts[1].address", "host name", "spec.api.address", "privateAddress")
    assert load(at(raw, "hosts.static.hosts.1.privateAddress", "10.40.0.12")).hosts.static.hosts[1].address


@pytest.mark.parametrize("port", [0, -1, 65536, 100000])
def test_per_host_ssh_port_is_range_checked(port: int) -> None:
    """A host's sshPort is a TCP port like mke4k:ssh.port: 1-65535."""
    single_issue(at(static_baseline(), "hosts.static.hosts.2.sshPort", port), "hosts.static.hosts[2].sshPort")


@pytest.mark.parametrize(
    ("key", "value", "phrase"),
    [
        ("ssh.user", "", "is empty"),
        ("ssh.user", "ubuntu@10.40.0.11", "user@host"),
        ("ssh.user", "ubuntu ", "not a user name"),
        ("hosts.static.hosts.4.sshUser", "", "is empty"),
        ("ssh.bastion", {"address": "10.40.0.5", "user": ""}, "is empty"),
    ],
)
def test_user_names(key: str, value: object, phrase: str) -> None:
    """An empty user name (or user@host) would log in as nobody: refused where it is set."""
    expected = {
        "ssh.user": "ssh.user",
        "hosts.static.hosts.4.sshUser": "hosts.static.hosts[4].sshUser",
        "ssh.bastion": "ssh.bastion.user",
    }[key]
    single_issue(at(static_baseline(), key, value), expected, phrase)


def test_bastion_address_is_a_host() -> None:
    single_issue(
        at(static_baseline(), "ssh.bastion", {"address": "ssh://jump.example.com"}), "ssh.bastion.address", "is a URL"
    )


@pytest.mark.parametrize("key", ["sshCidrs", "apiCidrs"])
@pytest.mark.parametrize("cidr", ["2001:db8::/32", "::/0"])
def test_ipv6_source_cidrs_are_refused_with_the_reason(key: str, cidr: str) -> None:
    """The VPC, NLB and security-group rules are IPv4 only: an IPv6 source could never connect."""
    raw = at(aws_baseline(), f"hosts.aws.{key}", ["203.0.113.0/24", cidr])
    single_issue(raw, f"hosts.aws.{key}[1]", "IPv6", "IPv4 only")


def test_source_address_without_prefix_suggests_a_slash_32() -> None:
    """A bare address is not a CIDR AWS accepts; the fix spells out /32."""
    single_issue(at(aws_baseline(), "hosts.aws.sshCidrs", ["203.0.113.7"]), "hosts.aws.sshCidrs[0]", "203.0.113.7/32")
