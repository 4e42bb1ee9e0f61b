"""The test suite: run it with ``scripts/test`` (see the README)."""
