"""Entry point the Pulumi CLI runs for ``--policy-pack policy``.

Only constructs the pack: constructing a PolicyPack starts the analyzer gRPC server and
blocks, so the rules live in the importable ``mke4k_policy`` package (tested directly).
"""

from mke4k_policy import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="PR checks for mke4k stacks: AWS hardening, network profile, providers, quorum.",
)
