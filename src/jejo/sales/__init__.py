"""sales."""
