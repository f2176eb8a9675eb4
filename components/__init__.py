"""mke4k: the Pulumi components of an MKE 4k cluster (settings, hosts, k0s, platform)."""
