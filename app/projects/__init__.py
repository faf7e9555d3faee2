"""Projects: see docs/architecture.md (being built)."""
