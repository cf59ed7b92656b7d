"""Nudges: the pure rules (who, about what, when) and the scan that queues them."""
