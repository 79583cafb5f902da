"""Detectors: the ONNX Runtime backend, tiling with cross-tile merge, sizes, the bundled models."""
