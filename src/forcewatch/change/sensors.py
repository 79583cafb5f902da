"""A change of sensor is not change on the ground. Two dates whose imagery differs in GSD (by more
than :data:`GSD_RATIO`) or in sensor differ in sharpness, noise and colour everywhere: their new
activity is compared at the coarser date's effective resolution (the finer date blurred to it on
the common grid, which is already at the coarser GSD) and only strong change is reported, with a
lower confidence; the comparison says so."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forcewatch.change.area import K_MAD, MIN_MAGNITUDE, ChangeThreshold
from forcewatch.model import Scene

#: Dates whose GSDs differ by more than this factor are from different sensors.
GSD_RATIO = 1.5
#: Sensor names that say nothing about the sensor.
UNKNOWN_SENSORS = ("", "unknown")
#: Blur (grid cells) that brings a finer date, area-averaged onto the coarser grid, to the coarser
#: date's sharpness: the coarser date's own pixels are resampled onto a grid they are not aligned
#: with (bilinear: about half a cell of blur), the finer date's are averaged.
FINER_BLUR_CELLS = 0.5
#: Change between different sensors: a higher threshold, a lower confidence.
ACROSS_SENSORS = ChangeThreshold(k_mad=1.5 * K_MAD, min_magnitude=1.5 * MIN_MAGNITUDE, confidence_scale=0.5)
#: The key of the comparison's ``not_observable`` that says how new activity was compared.
NEW_ACTIVITY = "new activity"


@dataclass(frozen=True)
class SensorChange:
    """How the two dates' imagery differs: their GSDs (metres) and sensors."""

    gsd_m: tuple[float, float]
    sensors: tuple[str, str]

    @property
    def ratio(self) -> float:
        """The coarser GSD over the finer."""
        return max(self.gsd_m) / max(min(self.gsd_m), 1e-9)

    @property
    def other_sensor(self) -> bool:
        """Whether both sensors are named, and differently."""
        named = all(s.lower() not in UNKNOWN_SENSORS for s in self.sensors)
        return named and self.sensors[0] != self.sensors[1]

    @property
    def differs(self) -> bool:
        """Whether the two dates are from different sensors: in GSD, or by name where both are known."""
        return self.ratio > GSD_RATIO or self.other_sensor

    def blurred(self, grid_gsd_m: float) -> tuple[bool, bool]:
        """Which dates (earlier, later) to blur to the other's sharpness: one finer than the other by
        more than :data:`GSD_RATIO`, when the other is read onto the grid near its own GSD (a grid
        coarser than both dates averages both alike)."""
        a, b = self.gsd_m
        return (
            a * GSD_RATIO < b and grid_gsd_m < b * GSD_RATIO,
            b * GSD_RATIO < a and grid_gsd_m < a * GSD_RATIO,
        )

    def note(self, grid_gsd_m: float) -> str:
        """What the comparison says about new activity between these dates."""
        (ga, gb), (sa, sb) = self.gsd_m, self.sensors
        how = [f"in GSD ({ga:.2f} m, then {gb:.2f} m)"] if self.ratio > GSD_RATIO else []
        how += [f"in sensor ({sa}, then {sb})"] if self.other_sensor else []
        return (
            f"the two dates' imagery differs {' and '.join(how)}: new activity is compared at {grid_gsd_m:.2f} m "
            f"with a {ACROSS_SENSORS.k_mad / K_MAD:g}× higher threshold, and only strong change is reported, "
            f"at {ACROSS_SENSORS.confidence_scale:g}× the confidence"
        )


def sensor_change(earlier: Scene, later: Scene) -> SensorChange:
    """The two dates' GSDs and sensors."""
    return SensorChange((earlier.gsd_m, later.gsd_m), (earlier.sensor, later.sensor))


def at_common_resolution(rgb: np.ndarray, blur: bool) -> np.ndarray:
    """A date's pixels on the common grid, blurred to the coarser date's sharpness where ``blur``."""
    return cv2.GaussianBlur(rgb, (0, 0), FINER_BLUR_CELLS) if blur else rgb
