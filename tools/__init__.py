"""Command-line tools of the project (run as scripts; importable for tests and benchmarks)."""
