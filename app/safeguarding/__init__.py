"""Safeguarding: the restricted queue of possible risks of harm, and its alerts."""
