"""Benchmarks (``cardboot bench``): APDU counts and host overhead, never timed unit tests."""
