"""Performance benchmarks of the mke4k program (numbers only; tests never assert timings).

Run with ``.venv/bin/python -m bench.run`` (see bench/README.md).
"""
