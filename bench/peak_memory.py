"""The peak resident memory of this process, for the benchmarks that measure each run in a fresh one."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's own peak resident memory in MB. Linux: VmHWM. After fork + exec, ``ru_maxrss``
    still holds the parent's peak (the process that wrote the scene or mosaic), so it is only the
    fallback where /proc is not there."""
    try:
        return int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
