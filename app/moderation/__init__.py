"""Moderation: screening for risk and identifying details, reports of content, and (soon) the
moderation queue."""
