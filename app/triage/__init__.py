"""Triage: staff sort and answer the ideas people send in (issue 9 part 7)."""
