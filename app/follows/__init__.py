"""Follows: people follow a subject (an idea) to hear when it changes."""
