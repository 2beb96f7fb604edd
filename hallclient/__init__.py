"""Core of the service hall window client: domain model, local store, rules. No Qt here."""

__version__ = "0.1.0"
