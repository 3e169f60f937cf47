"""Backups, restores and a company's data export (open formats) for when it leaves."""
