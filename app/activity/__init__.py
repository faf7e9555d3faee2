"""My activity: what a signed-in person suggested, supports and follows, and their updates."""
