"""Importing the org chart from the HR system's CSV."""
