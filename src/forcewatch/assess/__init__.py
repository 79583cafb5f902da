"""Assessments: force estimates with honest ranges (alert rules come with the change issue)."""
