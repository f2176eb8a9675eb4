"""The k0s layer: Nodes in, a running cluster (kubeconfig + Kubernetes provider) out."""
