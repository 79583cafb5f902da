"""Rebuild a trainable :class:`~forcewatch.train.net.CentreNet` from a ForceWatch ONNX file (torch).

The exporter fuses each batch norm into the convolution before it, so the ONNX file holds, for each
``conv + BN`` pair, one convolution with a bias (initialisers named like ``onnx::Conv_151``). The
rebuilt net puts those fused weights back into the convolution and makes its batch norm a fixed
affine map that carries the fused bias (running mean 0, running variance 1 − ε, β = bias): in eval
mode it computes exactly what the ONNX graph does.

With ``rescale`` (the default) each output channel's scale goes into γ and the convolution keeps
weights of the size a freshly initialised one has (RMS √(2 / fan-in)): fused weights are often 10×
smaller than that, and an optimiser such as Adam, whose steps have the size of the learning rate
whatever the weight's, would then move them far more, relative to their size, than in training.
Without it γ = 1 and the convolution holds the fused weights as they are.

Which ONNX convolution belongs to which module follows from the graph's order of Conv nodes against
the order in which the torch net calls its Conv2d modules (recorded with forward hooks), checked
shape by shape and stride by stride.

    >>> net, meta = rebuild_net(Path("model.onnx"))  # doctest: +SKIP
    >>> max_output_diff(net, Path("model.onnx")) < 1e-4  # doctest: +SKIP
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
from torch import nn

from forcewatch.detect.metadata import ModelMeta
from forcewatch.errors import ModelError
from forcewatch.train.net import CentreNet, ExportWrapper


@dataclass(frozen=True)
class OnnxConv:
    """One Conv node of an ONNX graph with its weights (from the initialisers)."""

    node: str
    weight: np.ndarray  # (out, in, kh, kw)
    bias: np.ndarray | None
    strides: tuple[int, ...]
    pads: tuple[int, ...]


def onnx_convs(path: Path) -> list[OnnxConv]:
    """The Conv nodes of the ONNX file at ``path``, in graph order, with their weights."""
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises several unrelated types for a bad file
        raise ModelError(f"{path}: not a readable ONNX model ({exc}). Fix: give a ForceWatch .onnx file.") from None
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out = []
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.input[1] not in inits:
            raise ModelError(
                f"{path}: convolution {node.name!r} takes its weights from {node.input[1]!r}, not an initialiser. "
                "Fix: give a model exported by ForceWatch (forcewatch train)."
            )
        bias = inits.get(node.input[2]) if len(node.input) > 2 else None
        out.append(
            OnnxConv(
                node.name,
                inits[node.input[1]],
                bias,
                tuple(attrs.get("strides", (1, 1))),
                tuple(attrs.get("pads", (0, 0, 0, 0))),
            )
        )
    return out


def conv_call_order(net: nn.Module, tile_px: int = 64) -> list[tuple[str, nn.Conv2d]]:
    """The net's Conv2d modules (qualified name, module) in the order its forward pass calls them."""
    names = {id(m): n for n, m in net.named_modules()}
    order: list[tuple[str, nn.Conv2d]] = []

    def record(module: nn.Module, _inputs: object, _output: object) -> None:
        assert isinstance(module, nn.Conv2d)
        order.append((names[id(module)], module))

    hooks = [m.register_forward_hook(record) for m in net.modules() if isinstance(m, nn.Conv2d)]
    try:
        was_training = net.training
        net.eval()
        with torch.no_grad():
            net(torch.zeros(1, 3, tile_px, tile_px))
        net.train(was_training)
    finally:
        for h in hooks:
            h.remove()
    return order


def _batch_norm_after(net: nn.Module) -> dict[str, nn.BatchNorm2d]:
    """Conv name → the BatchNorm2d that follows it in the same ``conv, BN, ReLU`` block."""
    out: dict[str, nn.BatchNorm2d] = {}
    for name, module in net.named_modules():
        if isinstance(module, nn.Sequential):
            children = list(module.named_children())
            for (a, first), (_, second) in pairwise(children):
                if isinstance(first, nn.Conv2d) and isinstance(second, nn.BatchNorm2d):
                    out[f"{name}.{a}" if name else a] = second
    return out


def infer_width(convs: list[OnnxConv], path: Path) -> int:
    """The CentreNet width (channels at stride 4): the output channels of the stem's second conv."""
    if len(convs) < 2:
        raise ModelError(f"{path}: {len(convs)} convolutions; not a ForceWatch centre heat-map model.")
    return int(convs[1].weight.shape[0])


def _channel_scale(weight: np.ndarray) -> np.ndarray:
    """Per output channel: the fused weights' RMS over that of a freshly initialised conv (γ)."""
    fan_in = weight[0].size
    rms = np.sqrt((weight.reshape(weight.shape[0], -1).astype(np.float64) ** 2).mean(axis=1))
    return np.maximum(rms / np.sqrt(2.0 / fan_in), 1e-6).astype(np.float32)


def load_fused(net: CentreNet, convs: list[OnnxConv], path: Path, *, rescale: bool = True) -> None:
    """Copy fused ONNX convolutions into ``net`` (matching call order; shapes and strides checked); with
    ``rescale`` each channel's scale moves into its batch norm's γ."""
    order = conv_call_order(net)
    if len(order) != len(convs):
        raise ModelError(
            f"{path}: {len(convs)} convolutions, the network has {len(order)}. Fix: give a model exported by "
            "ForceWatch's CentreNet (forcewatch train)."
        )
    bn_after = _batch_norm_after(net)
    with torch.no_grad():
        for (name, conv), oc in zip(order, convs, strict=True):
            if tuple(conv.weight.shape) != oc.weight.shape or tuple(conv.stride) != oc.strides[:2]:
                raise ModelError(
                    f"{path}: convolution {oc.node!r} has weights {oc.weight.shape}, stride {oc.strides}; the "
                    f"network's {name} has {tuple(conv.weight.shape)}, stride {tuple(conv.stride)}. Fix: give a "
                    "model exported by ForceWatch's CentreNet, or train one from scratch."
                )
            bias = torch.from_numpy(oc.bias.copy()) if oc.bias is not None else torch.zeros(oc.weight.shape[0])
            bn = bn_after.get(name)
            gamma = _channel_scale(oc.weight) if bn is not None and rescale else np.ones(oc.weight.shape[0], np.float32)
            conv.weight.copy_(torch.from_numpy(oc.weight / gamma[:, None, None, None]))
            if bn is not None:  # a fixed affine map: γ (the channel's scale) and the fused bias
                bn.weight.copy_(torch.from_numpy(gamma))
                bn.bias.copy_(bias)
                assert bn.running_mean is not None and bn.running_var is not None
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
            elif conv.bias is not None:
                conv.bias.copy_(bias)
            elif oc.bias is not None and np.any(oc.bias):
                raise ModelError(f"{path}: convolution {oc.node!r} has a bias the network's {name} cannot hold.")


def rebuild_net(path: Path, *, rescale: bool = True) -> tuple[CentreNet, ModelMeta]:
    """A CentreNet (eval mode) with the weights of the ForceWatch ONNX model at ``path``, and its metadata."""
    from forcewatch.detect.onnx_backend import read_meta

    meta = read_meta(path)
    convs = onnx_convs(path)
    net = CentreNet(len(meta.classes), infer_width(convs, path))
    load_fused(net, convs, path, rescale=rescale)
    net.eval()
    return net, meta


def max_output_diff(net: CentreNet, path: Path, tile_px: int = 128, seed: int = 0) -> float:
    """Largest absolute difference between the torch net and the ONNX model (ONNX Runtime) over all
    four outputs (heat, peaks, size, offset) on a random normalised tile."""
    import onnxruntime as ort

    x = np.random.default_rng(seed).normal(0, 1, (1, 3, tile_px, tile_px)).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"image": x})
    was_training = net.training
    net.eval()
    with torch.no_grad():
        got = ExportWrapper(net)(torch.from_numpy(x))
    net.train(was_training)
    return max(float(np.abs(g.numpy() - e).max()) for g, e in zip(got, expected, strict=True))
