"""Voluntary demographics: the optional form, kept apart from identity (models/demographics)."""
