"""The batch tests use the root conftest's make_csv fixture and tests/helpers.py."""
