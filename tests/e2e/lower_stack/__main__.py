"""TEST FIXTURE -- not mke4k.

A real Pulumi stack standing in for the stack that runs mke4k's k0s layer, for the
platform end-to-end scenario (tests/e2e/test_platform.py). It exports exactly what
that stack exports for a platform-only stack (read by components/k0s/from_stack.py
``k0s_from_stack``): ``kubeconfig`` and ``sshPrivateKey`` (secrets), ``leader``
(SSH address of the bootstrap controller) and ``bastion`` (none here). The values
come from its own config (``lower:*``), set by the test: the kubeconfig of the test
control plane and the SSH access to a network-namespace test host.
"""

import pulumi

config = pulumi.Config("lower")
pulumi.export("kubeconfig", config.require_secret("kubeconfig"))
pulumi.export("leader", config.require_object("leader"))
pulumi.export("sshPrivateKey", config.require_secret("sshPrivateKey"))
pulumi.export("bastion", None)
