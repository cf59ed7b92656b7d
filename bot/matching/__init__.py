"""Matching: the pure assignment rules and the admin's matching rounds."""
