"""Jupyter notebooks: run and compare them, and their pages on the site. Apart from the notes."""
