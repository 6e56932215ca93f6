"""Batch personalization: a CSV of cards through many readers, one ledger, crash-safe and resumable."""
