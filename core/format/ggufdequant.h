// SPDX-License-Identifier: GPL-3.0-or-later
// Converts ggml tensor data (plain or block-quantized) to f32.
//
// Implements ggml's reference dequantization (ggml-quants.c dequantize_row_*) for F32, F16, BF16, Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K and Q6_K; the results match the gguf Python package's
// gguf.quants.dequantize (tests/reference/make_gguf_reference.py). Values come out in ggml's element order, which
// is row-major PyTorch order. Little-endian data only (GGUF v3 big-endian files are rejected by the reader).
//
// Large inputs are split by whole blocks across up to std::thread::hardware_concurrency() threads; the call
// returns when all are done. Reentrant: concurrent calls on different outputs are safe.
#pragma once

#include <cstddef>
#include <span>

#include "format/ggmltype.h"

namespace flatslice::core {

// Dequantizes `src` (whole blocks of `type`) into `dst`. Throws Error if the type is not dequantizable
// (ggmlTypeDequantizable), if src.size() is not a multiple of the type size, or if dst.size() is not
// blocks * block size.
void dequantize(GgmlType type, std::span<const std::byte> src, std::span<float> dst);

} // namespace flatslice::core
