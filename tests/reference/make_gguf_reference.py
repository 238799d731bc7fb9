#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the GGUF reader's goldens: tests/data/gguf/reference.gguf and tests/data/gguf/reference.json.

The expected values come from the outside: the PyPI `gguf` package (the one llama.cpp ships) writes the file with
GGUFWriter, and its `gguf.quants.dequantize` computes the dequantized floats. Our C++ reader must agree with both.

For every ggml type the C++ dequantizer supports, one 2-D tensor holds a few blocks:
  * types gguf.quants can quantize (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0): random floats, quantized;
  * the K-quants (Q2_K..Q6_K), which gguf.quants can only dequantize: random bytes whose f16 scale fields are
    overwritten with sane finite values, so that every bit pattern of the quants is exercised.
The metadata holds one key per GGUF value type, typed arrays, an array of strings and a nested array.

Run with the reference venv (gguf, numpy):
    /root/.cache/flatslice/reference-venv/bin/python tests/reference/make_gguf_reference.py
Deterministic: the same gguf package version writes the same bytes.
"""

import json
import struct
from pathlib import Path

import numpy as np

import gguf
from gguf import GGMLQuantizationType as T
from gguf import GGUFValueType as V

OUT_DIR = Path(__file__).resolve().parent.parent / "data" / "gguf"
ALIGNMENT = 64  # not the default 32, so that the C++ test sees general.alignment honoured

# (name, type, shape in PyTorch order). K-quants use 256-element blocks, the others 32.
TENSORS = [
    ("ref.f32", T.F32, (2, 32)),
    ("ref.f16", T.F16, (2, 32)),
    ("ref.bf16", T.BF16, (2, 32)),
    ("ref.q4_0", T.Q4_0, (2, 32)),
    ("ref.q4_1", T.Q4_1, (2, 32)),
    ("ref.q5_0", T.Q5_0, (2, 32)),
    ("ref.q5_1", T.Q5_1, (2, 32)),
    ("ref.q8_0", T.Q8_0, (2, 32)),
    ("ref.q2_k", T.Q2_K, (2, 256)),
    ("ref.q3_k", T.Q3_K, (2, 256)),
    ("ref.q4_k", T.Q4_K, (2, 256)),
    ("ref.q5_k", T.Q5_K, (2, 256)),
    ("ref.q6_k", T.Q6_K, (2, 256)),
    # A 3-D tensor, so that the reversed ggml order is visible beyond a transpose.
    ("ref.q8_0_3d", T.Q8_0, (3, 2, 32)),
]

# Byte offsets of the f16 scale fields inside one block (ggml-common.h), for the types we fill with random bytes.
K_QUANT_SCALE_OFFSETS = {
    T.Q2_K: (80, 82),  # scales[16], qs[64], d, dmin
    T.Q3_K: (108,),  # hmask[32], qs[64], scales[12], d
    T.Q4_K: (0, 2),  # d, dmin, scales[12], qs[128]
    T.Q5_K: (0, 2),  # d, dmin, scales[12], qh[32], qs[128]
    T.Q6_K: (208,),  # ql[128], qh[64], scales[16], d
}


def quantized_bytes(rng: np.random.Generator, qtype: T, shape: tuple[int, ...]) -> np.ndarray:
    """The tensor's bytes as uint8, shape (*shape[:-1], bytes per row)."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    if qtype in K_QUANT_SCALE_OFFSETS:
        n_blocks = int(np.prod(shape)) // block_size
        raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
        for offset in K_QUANT_SCALE_OFFSETS[qtype]:
            scales = rng.uniform(0.001, 0.05, size=n_blocks).astype(np.float16)
            raw[:, offset:offset + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
        return raw.reshape((*shape[:-1], shape[-1] // block_size * type_size))
    values = rng.standard_normal(size=shape).astype(np.float32)
    if qtype == T.F16:
        # Exercise the half conversion's edges: signed zero, a subnormal, the largest finite half.
        flat = values.reshape(-1)
        flat[0] = -0.0
        flat[1] = np.float32(2.0 ** -20)
        flat[2] = np.float32(-65504.0)
        flat[3] = np.float32(6.103515625e-05)  # smallest normal half
    if qtype == T.F32:
        return values.view(np.uint8).reshape((*shape[:-1], shape[-1] * 4))
    quantized = gguf.quants.quantize(values, qtype)
    return np.ascontiguousarray(quantized).view(np.uint8).reshape((*shape[:-1], -1))


def float32_list(values: np.ndarray) -> list[float]:
    # float(np.float32) is exact in a double; json writes the shortest repr that round-trips that double.
    return [float(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


def f32(x: float) -> float:
    return float(np.float32(x))


# (key, GGUF value type, value, array element type or None). Expected values are what a reader must return.
METADATA = [
    ("ref.uint8", V.UINT8, 200, None),
    ("ref.int8", V.INT8, -100, None),
    ("ref.uint16", V.UINT16, 60000, None),
    ("ref.int16", V.INT16, -30000, None),
    ("ref.uint32", V.UINT32, 4000000000, None),
    ("ref.int32", V.INT32, -2000000000, None),
    ("ref.float32", V.FLOAT32, f32(3.14159), None),
    ("ref.bool_true", V.BOOL, True, None),
    ("ref.bool_false", V.BOOL, False, None),
    ("ref.string", V.STRING, "hello, GGUF \u00e9\u4e16", None),
    ("ref.empty_string", V.STRING, "", None),
    ("ref.uint64", V.UINT64, 2**63 + 5, None),
    ("ref.int64", V.INT64, -(2**62) - 3, None),
    ("ref.float64", V.FLOAT64, 2.718281828459045, None),
    ("ref.array_string", V.ARRAY, ["<s>", "</s>", "hello", "\u0120world", ""], V.STRING),
    ("ref.array_int32", V.ARRAY, [1, -2, 3, 2147483647, -2147483648], V.INT32),
    ("ref.array_uint8", V.ARRAY, [0, 1, 255], V.UINT8),
    ("ref.array_uint64", V.ARRAY, [0, 2**64 - 1], V.UINT64),
    ("ref.array_float32", V.ARRAY, [f32(0.5), f32(-1.25), f32(1e-3)], V.FLOAT32),
    ("ref.array_float64", V.ARRAY, [0.1, -1e300], V.FLOAT64),
    ("ref.array_bool", V.ARRAY, [True, False, True], V.BOOL),
    ("ref.array_nested", V.ARRAY, [[1, 2, 3], [4, 5]], None),  # the writer infers ARRAY of INT32 arrays
]


def expected_metadata_entry(key: str, vtype: V, value, sub_type: V | None) -> dict:
    entry = {"key": key, "type": vtype.name, "value": value}
    if vtype == V.ARRAY:
        if sub_type is not None:
            entry["element_type"] = sub_type.name
        else:  # nested: arrays of INT32 arrays, as GGUFValueType.get_type infers for Python ints
            entry["element_type"] = V.ARRAY.name
            entry["inner_element_type"] = V.INT32.name
    return entry


def main() -> None:
    rng = np.random.default_rng(20240531)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    gguf_path = OUT_DIR / "reference.gguf"

    writer = gguf.GGUFWriter(gguf_path, arch="reference")
    writer.add_custom_alignment(ALIGNMENT)
    for key, vtype, value, sub_type in METADATA:
        writer.add_key_value(key, value, vtype, sub_type=sub_type)

    tensors = []
    for name, qtype, shape in TENSORS:
        raw = quantized_bytes(rng, qtype, shape)
        writer.add_tensor(name, raw, raw_dtype=qtype)
        values = gguf.quants.dequantize(raw, qtype)
        assert values.shape == shape, (name, values.shape, shape)
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        tensors.append({
            "name": name,
            "type": qtype.name,
            "ggml_type": int(qtype),
            "shape": list(shape),
            "ne": list(reversed(shape)),
            "nbytes": int(raw.nbytes),
            "values": float32_list(values),
        })

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    # Cross-check with the package's own reader: keys in file order, tensor offsets and types.
    reader = gguf.GGUFReader(gguf_path)
    file_keys = [field.name for field in reader.fields.values() if not field.name.startswith("GGUF.")]
    expected = [expected_metadata_entry("general.architecture", V.STRING, "reference", None),
                expected_metadata_entry("general.alignment", V.UINT32, ALIGNMENT, None)]
    expected += [expected_metadata_entry(*item) for item in METADATA]
    assert file_keys == [e["key"] for e in expected], file_keys
    by_name = {t.name: t for t in reader.tensors}
    for tensor in tensors:
        info = by_name[tensor["name"]]
        assert int(info.tensor_type) == tensor["ggml_type"]
        assert [int(n) for n in info.shape] == tensor["ne"]
        tensor["offset"] = int(info.data_offset) - int(reader.data_offset)
        assert tensor["offset"] % ALIGNMENT == 0

    document = {
        "generator": "tests/reference/make_gguf_reference.py",
        "gguf_package_version": getattr(gguf, "__version__", None) or _package_version(),
        "version": 3,
        "alignment": ALIGNMENT,
        "data_offset": int(reader.data_offset),
        "file_size": gguf_path.stat().st_size,
        "metadata": expected,
        "tensors": tensors,
    }
    json_path = OUT_DIR / "reference.json"
    json_path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {gguf_path} ({gguf_path.stat().st_size} bytes) and {json_path} ({json_path.stat().st_size} bytes)")


def _package_version() -> str:
    from importlib.metadata import version
    return version("gguf")


if __name__ == "__main__":
    # Guard against a host with the wrong byte order: GGUF and our C++ reader are little-endian.
    assert struct.pack("=I", 1) == struct.pack("<I", 1)
    main()
