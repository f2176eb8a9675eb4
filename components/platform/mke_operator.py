"""mke-operator: its chart, a readiness gate on its Deployment, then the ``MkeConfig`` object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.platform.common import PlatformPiece, k8s_opts
from components.platform.values import (
    MKE_CONFIG_NAMESPACE,
    render_mke_config,
    render_mke_operator_values,
)


@dataclass(frozen=True)
class MkeOperatorArgs:
    """mke-operator settings (its chart and values are not public: everything is configurable).

    Attributes:
        chart: full chart reference, e.g. ``oci://registry.mirantis.com/mke/<chart>``.
        version: chart version (``3.17.2`` for MKE 4.1.5).
        namespace: release namespace.
        release_name: Helm release name.
        deployment_name: operator Deployment the gate waits for (Available).
        registry_values_key: dotted values key that receives the image registry (airgap).
        pull_secrets_values_key: dotted values key that receives ``[{name: <pull secret>}]``.
        user_values: chart values merged on top (they win).
        mke_config_spec: ``MkeConfig.spec``; None = do not create the ``MkeConfig`` object.
        ready_timeout: seconds for the Helm install and for the Deployment to be Available.
    """

    chart: str
    version: str
    namespace: str = MKE_CONFIG_NAMESPACE
    release_name: str = "mke-operator"
    deployment_name: str = "mke-operator-controller-manager"
    registry_values_key: str = "image.registry"
    pull_secrets_values_key: str = "imagePullSecrets"
    user_values: Mapping[str, Any] = field(default_factory=dict)
    mke_config_spec: Mapping[str, Any] | None = None
    ready_timeout: int = 600


class MkeOperator(PlatformPiece[MkeOperatorArgs]):
    """``mke4k:platform:MkeOperator``: release → Deployment Available → ``MkeConfig`` (optional).

    Attributes:
        release: the mke-operator Helm release.
        ready: the operator readiness gate.
        mke_config: the ``MkeConfig`` custom resource, or None.
    """

    type_token = "mke4k:platform:MkeOperator"

    def build(self, name: str, args: MkeOperatorArgs) -> None:
        """Register mke-operator's namespace(s), secrets, release, gate and MkeConfig (``name`` = ``<cluster>-mke-operator``)."""
        values = render_mke_operator_values(
            user_values=args.user_values,
            image_registry=self.image_registry,
            registry_values_key=args.registry_values_key,
            pull_secret_name=self.pull_secret,
            pull_secrets_values_key=args.pull_secrets_values_key,
        )
        self.release = self.chart(
            args,
            location=self.locate(args.chart),
            namespace=args.namespace,
            values=values,
            depends_on=self.prepare_namespace(args.namespace),
        )
        self.ready = self.gate(
            args,
            what="mke-operator",
            resource=f"deployment/{args.deployment_name}",
            namespace=args.namespace,
            condition="Available",
            hint=f"Check `k0s kubectl -n {args.namespace} get pods` and the operator's logs.",
        )
        self.mke_config: k8s.apiextensions.CustomResource | None = None
        if args.mke_config_spec is not None:
            self.mke_config = self._mke_config(args)

    def _mke_config(self, args: MkeOperatorArgs) -> k8s.apiextensions.CustomResource:
        """The ``MkeConfig`` object (and the ``mke`` namespace when the operator lives elsewhere)."""
        context = self.context
        config_after: list[pulumi.Resource] = [self.ready]
        if args.namespace != MKE_CONFIG_NAMESPACE:
            config_after.append(
                k8s.core.v1.Namespace(
                    f"{context.cluster}-mke-namespace",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=MKE_CONFIG_NAMESPACE),
                    opts=k8s_opts(context, self, context.after),
                )
            )
        document = render_mke_config(args.mke_config_spec or {})
        return k8s.apiextensions.CustomResource(
            f"{context.cluster}-mke-config",
            api_version=document["apiVersion"],
            kind=document["kind"],
            metadata=document["metadata"],
            spec=document["spec"],
            opts=k8s_opts(context, self, config_after),
        )
