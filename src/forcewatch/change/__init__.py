"""Change between dates: object matching (arrived / departed / stayed)."""
