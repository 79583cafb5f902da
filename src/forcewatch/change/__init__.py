"""Change between dates: the comparison of two observations (pure steps over values read by the
caller), object matching (arrived / departed / stayed), new activity, camps and tracks."""
