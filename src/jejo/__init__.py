"""jejo (제조): smart-factory platform."""

__version__ = "0.1.0"
