"""The first convolution of an INT8 model run in INT8 straight from the image's uint8 pixels.

In a QDQ model from :mod:`forcewatch.train.quantize` the first convolution (3×3, stride 2, 3
channels in) stays in float: in INT8 it was slower, with too little depth for the INT8 dot products
and the normalised input to quantise first. Yet in float it is 28 % of the vehicle network's time
(10 ms of 35 for a 960² tile) and 3 ms more go to quantising its output.

Rearranged space to depth, the same convolution is a 2×2, stride-1 convolution over 12 channels
(each 2×2 block of pixels × 3 bands), padded one row and one column above and to the left: output
``(i, j)`` of the 3×3 kernel at stride 2 reads rows ``2i−1 … 2i+1``, which lie in block rows
``i−1`` (its second row) and ``i`` (both rows). Its input needs no normalising either: the
normalisation ``(x − mean) / std`` folds into the weights and the bias, the pixels enter as they are
(uint8, zero point 128), and the convolution's ReLU is the clamp at the output's zero point (0).
In INT8 this takes 5.4 ms plus 1 ms to rearrange the pixels.

What is not exact: the weights are rounded to INT8 (per output channel), and where the kernel
reaches over the tile's top or left edge, the padding is the level 128 where the float network saw
the level ``mean`` (127.5 for the bundled models: 0.008 of a normalised unit). The rest of the graph
is untouched. The result is scored again on the hold-outs before it is used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from forcewatch.errors import ModelError

#: The input of a model rewritten here: uint8 pixels rearranged space to depth
#: (:func:`forcewatch.detect.onnx_backend.space_to_depth`), 12 channels.
INPUT_NAME = "pixels_s2d"
#: The zero point of the uint8 input: a pixel's level ``q`` enters as ``q − 128``.
INPUT_ZERO_POINT = 128


def space_to_depth_kernel(w: np.ndarray) -> np.ndarray:
    """A 3×3 stride-2 kernel (out × in × 3 × 3) as the 2×2 stride-1 kernel (out × 4·in × 2 × 2) over
    the space-to-depth input, channel ``4c + 2p + q`` holding band ``c`` at row ``p``, column ``q``
    of each 2×2 block. Tap ``(du, dv)`` of the new kernel reads block ``(i − 1 + du, j − 1 + dv)``."""
    out_ch, in_ch = w.shape[:2]
    k = np.zeros((out_ch, 4 * in_ch, 2, 2), w.dtype)
    # (block offset du, row p within the block) → the original kernel row a; (0, 0) reads nothing
    taps = {(0, 1): 0, (1, 0): 1, (1, 1): 2}
    for (du, p), a in taps.items():
        for (dv, q), b in taps.items():
            for c in range(in_ch):
                k[:, 4 * c + 2 * p + q, du, dv] = w[:, c, a, b]
    return k


def _attrs(node: object) -> dict[str, object]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}  # type: ignore[attr-defined]


def integer_input_stage(src: Path, out: Path, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
    """Write ``src`` (a QDQ model whose first convolution, on the normalised image, is float and
    followed by a ReLU and a QuantizeLinear) to ``out`` with that stage as one QLinearConv on the
    uint8 pixels rearranged space to depth (:data:`INPUT_NAME`). ``mean`` / ``std``: the model's
    normalisation, per band."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    image = graph.input[0].name
    users = {n.name: [m for m in graph.node if set(n.output) & set(m.input)] for n in graph.node}
    conv = next((n for n in graph.node if n.op_type == "Conv" and n.input[0] == image), None)
    relu = users[conv.name][0] if conv is not None and len(users[conv.name]) == 1 else None
    quant = users[relu.name][0] if relu is not None and len(users[relu.name]) == 1 else None
    if conv is None or relu is None or relu.op_type != "Relu" or quant is None or quant.op_type != "QuantizeLinear":
        raise ModelError(
            f"{src}: its first convolution is not a float Conv → Relu → QuantizeLinear on the image. "
            "Fix: give a model quantised by `forcewatch model quantize`."
        )
    at = _attrs(conv)
    if at.get("strides") != [2, 2] or at.get("kernel_shape") != [3, 3] or at.get("pads") != [1, 1, 1, 1]:
        raise ModelError(f"{src}: the first convolution is not 3×3, stride 2, padded 1 ({at}). Fix: retrain.")
    y_zero = numpy_helper.to_array(inits[quant.input[2]])
    if int(y_zero) != 0:
        raise ModelError(f"{src}: the ReLU's output zero point is {int(y_zero)}, not 0. Fix: quantise it again.")

    w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float64)
    bias = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64) if len(conv.input) > 2 else 0.0
    inv_std = 1.0 / np.asarray(std, np.float64)
    folded = w * inv_std[None, :, None, None]  # (x − mean) / std = (x − 128) / std + (128 − mean) / std
    bias = bias + (folded * (INPUT_ZERO_POINT - np.asarray(mean, np.float64))[None, :, None, None]).sum(axis=(1, 2, 3))
    kernel = space_to_depth_kernel(folded)
    w_scale = np.abs(kernel).reshape(len(kernel), -1).max(axis=1) / 127.0
    w_scale[w_scale == 0] = 1.0
    w_int8 = np.clip(np.round(kernel / w_scale[:, None, None, None]), -127, 127).astype(np.int8)
    b_int32 = np.round(bias / w_scale).astype(np.int32)  # the input's scale is 1: a level per unit

    prefix = conv.name + "_s2d"
    new_inits = [
        numpy_helper.from_array(np.array(1.0, np.float32), prefix + "_x_scale"),
        numpy_helper.from_array(np.array(INPUT_ZERO_POINT, np.uint8), prefix + "_x_zero"),
        numpy_helper.from_array(w_int8, prefix + "_w"),
        numpy_helper.from_array(w_scale.astype(np.float32), prefix + "_w_scale"),
        numpy_helper.from_array(np.zeros(len(kernel), np.int8), prefix + "_w_zero"),
        numpy_helper.from_array(b_int32, prefix + "_b"),
    ]
    qconv = helper.make_node(
        "QLinearConv",
        [
            INPUT_NAME,
            prefix + "_x_scale",
            prefix + "_x_zero",
            prefix + "_w",
            prefix + "_w_scale",
            prefix + "_w_zero",
            quant.input[1],
            quant.input[2],
            prefix + "_b",
        ],
        [quant.output[0]],
        name=prefix,
        kernel_shape=[2, 2],
        strides=[1, 1],
        pads=[1, 1, 0, 0],
    )
    at_first = list(graph.node).index(conv)
    for node in (conv, relu, quant):
        graph.node.remove(node)
    graph.node.insert(at_first, qconv)
    graph.initializer.extend(new_inits)
    for name in conv.input[1:]:  # the float weights, unless something else reads them
        if name in inits and not any(name in n.input for n in graph.node):
            graph.initializer.remove(inits[name])
    dims = graph.input[0].type.tensor_type.shape.dim
    batch = dims[0].dim_param or dims[0].dim_value
    graph.input.remove(graph.input[0])
    graph.input.insert(
        0,
        helper.make_tensor_value_info(
            INPUT_NAME, TensorProto.UINT8, [batch, kernel.shape[1], "height_half", "width_half"]
        ),
    )
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
