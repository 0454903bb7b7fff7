"""Figures of the notes that are drawn by code (the notes' own images are not available)."""
