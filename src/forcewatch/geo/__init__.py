"""Reference lines (bundled country borders, user lines), geodesic distance, containment."""
