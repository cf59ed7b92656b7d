"""Participants: joining, profile, pause, resume, leave and erasure."""
