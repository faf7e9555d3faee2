"""Moderation: screening, reports of content, and (soon) the moderation queue."""
