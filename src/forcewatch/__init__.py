"""ForceWatch: monitor military build-ups from satellite imagery."""

__version__ = "0.1.0"
