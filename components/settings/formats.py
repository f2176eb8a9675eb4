"""Formats of single values: host names and addresses, user names, AWS ids, durations.

Every check raises :class:`FieldProblem` with a problem that says what the value looks
like instead (a URL, an address with a port, a mistyped IPv4 address) and a fix.
Used as field validators, so the error lands on the exact key (``k0s.apiSans[1]``).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit

from .errors import FieldProblem

HostUse = Literal["api", "ssh", "registry"]
API_PORT = 6443

_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DNS_SUBDOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_NUMERIC_DOTS = re.compile(r"^[0-9.]+$")
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\$?$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
_AMI = re.compile(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$")
_AWS_ID = {
    "vpc": re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$"),
    "subnet": re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"),
}
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
_DURATION = re.compile(r"^\d+(s|m|h)$")

_HOST_EXAMPLE = "a host name or an IPv4 address (e.g. api.example.com or 10.0.0.5)"


def check_host(value: str, use: HostUse = "ssh") -> str:
    """A DNS host name or an IPv4 address: never a URL, a port, a path, whitespace or IPv6.

    ``use`` tunes the fix: the API always listens on 6443; an SSH port belongs in
    ``sshPort``; a registry host may carry a port elsewhere.
    """
    problem = host_problem(value, use)
    if problem is not None:
        raise problem
    return value


def check_api_host(value: str) -> str:
    """:func:`check_host` for an address clients reach the Kubernetes API at (port always 6443)."""
    return check_host(value, "api")


def host_problem(value: str, use: HostUse = "ssh") -> FieldProblem | None:
    """The problem with ``value`` as a host (None when it is a host name or IPv4 address)."""
    if not value.strip():
        return FieldProblem("is empty", f"give {_HOST_EXAMPLE}, or remove the key.")
    if value != value.strip() or any(c.isspace() for c in value):
        return FieldProblem(f"{value!r} contains whitespace", f"give {_HOST_EXAMPLE}, without spaces.")
    if "://" in value:
        host = urlsplit(value).hostname or "the host"
        return FieldProblem(f"'{value}' is a URL, not a host", f"give only the host: {host}.")
    try:
        ipaddress.IPv6Address(value.strip("[]"))
    except ValueError:
        pass
    else:
        return FieldProblem(
            f"'{value}' is an IPv6 address; the MKE 4k network profile is IPv4 only",
            "give the host's IPv4 address or its host name.",
        )
    if ":" in value:
        host, _, port = value.rpartition(":")
        fix = {
            "api": f"give only '{host}': the Kubernetes API port is always {API_PORT}.",
            "ssh": f"give only '{host}' and set the port with sshPort (or mke4k:ssh.port).",
            "registry": f"give only '{host}' here.",
        }[use]
        return FieldProblem(f"'{value}' carries a port ({port})", fix)
    if "/" in value:
        return FieldProblem(f"'{value}' is a network or a path, not a host", f"give {_HOST_EXAMPLE}.")
    if as_ip(value) is not None:
        return None
    if _NUMERIC_DOTS.match(value) or value.rsplit(".", 1)[-1].isdigit():
        return FieldProblem(
            f"'{value}' looks like a mistyped IPv4 address (four numbers 0-255 separated by dots)",
            "correct the address, e.g. 10.0.0.5.",
        )
    labels = value.split(".")
    if len(value) > 253 or not all(_LABEL.match(label) for label in labels):
        return FieldProblem(
            f"'{value}' is not a valid host name (labels of letters, digits and '-', "
            "at most 63 characters each, separated by single dots)",
            f"give {_HOST_EXAMPLE}.",
        )
    return None


def as_ip(value: str | None, *, v4_only: bool = True) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``value`` as an IPv4 (or, with ``v4_only=False``, any IP) address; None when it is not one."""
    try:
        return ipaddress.IPv4Address(value or "") if v4_only else ipaddress.ip_address(value or "")
    except ValueError:
        return None


def check_user(value: str) -> str:
    """A login name: not empty, no whitespace, no ``user@host``."""
    if not value:
        raise FieldProblem("is empty", "give the SSH user name (e.g. ubuntu), or remove the key to use the default.")
    if "@" in value:
        user = value.partition("@")[0]
        raise FieldProblem(f"'{value}' is user@host", f"give only the user ('{user}'); the host is set elsewhere.")
    if not _USER.match(value):
        raise FieldProblem(
            f"{value!r} is not a user name (letters, digits, '_', '.', '-', starting with a letter or '_')",
            "give the login name as it appears in /etc/passwd.",
        )
    return value


def check_dns_subdomain(value: str) -> str:
    """A lowercase DNS subdomain (RFC 1123), as Kubernetes expects for the cluster domain."""
    labels = value.split(".")
    if len(value) > 253 or not all(_DNS_SUBDOMAIN_LABEL.match(label) for label in labels):
        raise FieldProblem(
            f"'{value}' is not a DNS domain: lowercase letters, digits and '-' in dot-separated labels, "
            "no leading or trailing dot",
            "use e.g. cluster.local (the default).",
        )
    return value


def check_instance_type(value: str) -> str:
    """An EC2 instance type: ``<family>.<size>`` like ``m5.xlarge``."""
    if not _INSTANCE_TYPE.match(value):
        raise FieldProblem(
            f"'{value}' is not an EC2 instance type (family.size, lowercase)", "write it like m5.xlarge or t3.micro."
        )
    return value


def check_ami_id(value: str) -> str:
    """An AMI id: ``ami-`` and 8 or 17 hexadecimal digits."""
    if not _AMI.match(value):
        raise FieldProblem(
            f"'{value}' is not an AMI id (ami- followed by 8 or 17 hexadecimal digits)",
            "copy the id from the EC2 console or `aws ec2 describe-images`, e.g. ami-0a1b2c3d4e5f67890.",
        )
    return value


def check_aws_id(value: str, kind: Literal["vpc", "subnet"]) -> str:
    """A VPC or subnet id (``vpc-…``, ``subnet-…``)."""
    if not _AWS_ID[kind].match(value):
        raise FieldProblem(
            f"'{value}' is not a {kind} id ({kind}- followed by 8 or 17 hexadecimal digits)",
            f"copy the id from the VPC console, e.g. {kind}-0a1b2c3d4e5f67890.",
        )
    return value


def check_subnet_id(value: str) -> str:
    """:func:`check_aws_id` for a subnet id."""
    return check_aws_id(value, "subnet")


def check_region(value: str) -> str:
    """An AWS region name like ``eu-west-1``."""
    if not _REGION.match(value):
        raise FieldProblem(f"'{value}' is not an AWS region name", "write it like eu-west-1 or us-east-2.")
    return value


def check_duration(value: str) -> str:
    """Durations are written like k0s/kubectl expect them: ``90s``, ``10m``, ``1h``."""
    if not _DURATION.match(value):
        raise FieldProblem(f"'{value}' is not a duration", "write it like 30s, 10m or 1h.")
    return value
