"""Publishing, from values (the application reads the store): the brief (``brief_plan``: pure
steps; ``chips``, ``charts``, ``brief``: drawing and the HTML; ``pdf``), vector exports
(``export``), detections as GeoJSON (``geojson``) and annotated images (``annotate``)."""
