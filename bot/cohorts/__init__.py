"""Cohorts: opening, closing with a survey, and the next cohort."""
