"""Checks over a lowered Program that warn about rules which build but are
unlikely to do what their author meant (field paths no audit event has)."""
