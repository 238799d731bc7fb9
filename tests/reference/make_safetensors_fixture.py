#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the safetensors reader's goldens: tests/data/safetensors/reference.safetensors and reference.json.

The file comes from the outside: the PyPI `safetensors` package writes it (safetensors.torch.save_file, so that
bfloat16 is stored by the same code path transformers uses). It holds one tensor per safetensors dtype our reader
supports (F64, F32, BF16, F16, I64, I32, I16, I8, U8, BOOL), plus a scalar, an empty tensor and a 3-D tensor,
and a `__metadata__` map. The library orders tensors by alignment then name, so the data-offset order differs
from the order below, which the C++ test relies on to check names() ordering.

reference.json lists, per tensor, the dtype, the shape and the values flattened in row-major order: floats as
JSON numbers that round-trip exactly (bf16 and f16 values are exactly representable as float32), integers as
integers (I64 includes values beyond 2^53), booleans as true/false. No NaN or infinity: JSON cannot hold them.

Run with the reference venv (torch, numpy, safetensors):
    /root/.cache/flatslice/reference-venv/bin/python tests/reference/make_safetensors_fixture.py
Deterministic: fixed seed, and the same safetensors version writes the same bytes (see save_deterministic).
"""

import json
import struct
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save

OUT_DIR = Path(__file__).resolve().parent.parent / "data" / "safetensors"

SAFETENSORS_DTYPE = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.bfloat16: "BF16",
    torch.float16: "F16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def make_tensors(rng: np.random.Generator) -> dict[str, torch.Tensor]:
    t: dict[str, torch.Tensor] = {}
    t["ref.f64"] = torch.from_numpy(rng.standard_normal((2, 3)))
    t["ref.f32"] = torch.from_numpy(rng.standard_normal((3, 4)).astype(np.float32))
    t["ref.bf16"] = torch.from_numpy(rng.standard_normal((2, 5)).astype(np.float32)).to(torch.bfloat16)
    half = rng.standard_normal(8).astype(np.float16)
    # The half conversion's edges: signed zero, a subnormal, the largest finite value, the smallest normal.
    half[:4] = np.array([-0.0, 2.0**-20, -65504.0, 6.103515625e-05], dtype=np.float16)
    t["ref.f16"] = torch.from_numpy(half.reshape(2, 4))
    i64 = rng.integers(-(2**62), 2**62, size=4, dtype=np.int64)
    i64[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
    t["ref.i64"] = torch.from_numpy(i64)
    t["ref.i32"] = torch.from_numpy(rng.integers(-(2**31), 2**31, size=(2, 3), dtype=np.int32))
    t["ref.i16"] = torch.from_numpy(rng.integers(-(2**15), 2**15, size=5, dtype=np.int16))
    t["ref.i8"] = torch.from_numpy(np.array([-128, -1, 0, 1, 127], dtype=np.int8))
    t["ref.u8"] = torch.from_numpy(np.array([0, 1, 128, 255], dtype=np.uint8))
    t["ref.bool"] = torch.from_numpy(np.array([[True, False, True], [False, False, True]]))
    t["ref.scalar"] = torch.tensor(3.25, dtype=torch.float32)
    t["ref.empty"] = torch.zeros((0, 3), dtype=torch.float32)
    t["ref.f32_3d"] = torch.from_numpy(rng.standard_normal((2, 3, 2)).astype(np.float32))
    return t


def values(tensor: torch.Tensor) -> list:
    flat = tensor.reshape(-1)
    if tensor.dtype == torch.bool:
        return [bool(v) for v in flat.tolist()]
    if tensor.dtype.is_floating_point:
        # float64 holds every bf16/f16/f32 value exactly, and Python's repr round-trips a float64.
        return [float(v) for v in flat.to(torch.float64).tolist()]
    return [int(v) for v in flat.tolist()]


def save_deterministic(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> bytes:
    """safetensors serializes __metadata__ from a Rust HashMap, whose order changes from run to run. Serialize
    until the keys come out sorted, so that rerunning the script leaves the committed file unchanged."""
    for _ in range(1000):
        data = save(tensors, metadata=metadata)
        (length,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + length], object_pairs_hook=lambda pairs: pairs)
        keys = [key for key, _ in dict(header)["__metadata__"]]
        if keys == sorted(keys):
            return data
    raise RuntimeError("safetensors never wrote __metadata__ in sorted order")


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tensors = make_tensors(np.random.default_rng(20240611))
    metadata = {"format": "pt", "source": "make_safetensors_fixture.py", "note": "ünïcödé ✓"}
    (OUT_DIR / "reference.safetensors").write_bytes(save_deterministic(tensors, metadata))

    expected = {
        "metadata": metadata,
        "tensors": {
            name: {"dtype": SAFETENSORS_DTYPE[t.dtype], "shape": list(t.shape), "values": values(t)}
            for name, t in tensors.items()
        },
    }
    (OUT_DIR / "reference.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
    print(f"wrote {OUT_DIR / 'reference.safetensors'} and reference.json")


if __name__ == "__main__":
    main()
