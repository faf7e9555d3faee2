"""Measures: see docs/architecture.md (being built)."""
