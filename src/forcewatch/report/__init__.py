"""Publishing: annotated images, vector exports (GeoJSON), later the HTML brief."""
