"""Benchmarks of the Sala (run each module with ``python -m bench.<name>``)."""
