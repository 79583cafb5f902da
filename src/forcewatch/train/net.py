"""The compact centre-heat-map detector (torch; imported only for training and export).

A small fully convolutional network: a 5-level backbone (strides 2–32) and a top-down
feature pyramid back to stride 4, where three heads predict per output cell a centre heat-map
per class, the box size (log of pixels / stride) and the sub-cell offset of the centre.
About 0.3 M parameters; its receptive field covers objects of up to ~130 px at the model GSD.
"""

from __future__ import annotations

import torch
from torch import nn

STRIDE = 4


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CentreNet(nn.Module):
    """Centre heat-map detector; outputs (heat, size, offset) at stride 4."""

    def __init__(self, num_classes: int, width: int = 32) -> None:
        super().__init__()
        w = width
        self.stem = nn.Sequential(_conv(3, 24, 2), _conv(24, w, 2), _conv(w, w))  # /4
        self.c8 = nn.Sequential(_conv(w, 2 * w, 2), _conv(2 * w, 2 * w))  # /8
        self.c16 = nn.Sequential(_conv(2 * w, 3 * w, 2), _conv(3 * w, 3 * w))  # /16
        self.c32 = nn.Sequential(_conv(3 * w, 4 * w, 2), _conv(4 * w, 4 * w), _conv(4 * w, 4 * w))  # /32
        f = w
        self.l4 = nn.Conv2d(w, f, 1)
        self.l8 = nn.Conv2d(2 * w, f, 1)
        self.l16 = nn.Conv2d(3 * w, f, 1)
        self.l32 = nn.Conv2d(4 * w, f, 1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.smooth = _conv(f, f)
        self.head = _conv(f, f)
        self.heat = nn.Conv2d(f, num_classes, 1)
        self.size = nn.Conv2d(f, 2, 1)
        self.offset = nn.Conv2d(f, 2, 1)
        assert self.heat.bias is not None
        nn.init.constant_(self.heat.bias, -4.6)  # prior 1 %: stable focal-loss start

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x4 = self.stem(x)
        x8 = self.c8(x4)
        x16 = self.c16(x8)
        x32 = self.c32(x16)
        p = self.l32(x32)
        p = self.up(p) + self.l16(x16)
        p = self.up(p) + self.l8(x8)
        p = self.up(p) + self.l4(x4)
        h = self.head(self.smooth(p))
        return self.heat(h), self.size(h), self.offset(h)


class ExportWrapper(nn.Module):
    """What goes into the ONNX file: sigmoid heat, its 3×3 max-pool (peak test), size, offset."""

    def __init__(self, net: CentreNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, size, offset = self.net(x)
        heat = torch.sigmoid(logits)
        peaks = nn.functional.max_pool2d(heat, 3, 1, 1)
        return heat, peaks, size, offset
