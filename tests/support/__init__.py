"""Shared test helpers: upstream schema validators and recording Pulumi mocks."""
