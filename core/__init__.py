"""Tiny shared helpers with no domain: downloads, tabular files, safe spreadsheet cells."""
