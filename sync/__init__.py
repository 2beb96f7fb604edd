"""Synchronisation with the central approval platform, and the reference server. No Qt."""
