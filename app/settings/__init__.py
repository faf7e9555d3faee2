"""Site settings admins change without a release: the pre-moderation policy, screening's local
terms and trusted people. Imported as ``site_settings`` (``app.config.Settings`` is the
deployment's settings, read from the environment)."""
