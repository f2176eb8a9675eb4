"""End-to-end test helpers (network-namespace SSH test hosts)."""
