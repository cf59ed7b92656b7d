"""Pairs: ground rules, the admins' overview, ending a pair kindly."""
