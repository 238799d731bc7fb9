// SPDX-License-Identifier: GPL-3.0-or-later
// Converts f32 values to the ggml types the GGUF exporter writes: F32, F16, BF16 and Q8_0.
//
// The inverse of ggufdequant.h for those types, following ggml's reference quantizers (ggml-quants.c
// quantize_row_q8_0_ref, which the gguf Python package's gguf.quants.quantize reproduces): a Q8_0 block of 32 values
// stores d = max|x| / 127 as f16 and q = round(x / d) (halfway away from zero, with 1/d taken before d is
// rounded to f16), so dequantize(quantize(x)) is within d / 2 (plus d's f16 rounding) of x. F16 and BF16 round to
// nearest even. Values are taken in ggml element order (row-major). Pure and reentrant.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "format/ggmltype.h"

namespace flatslice::core {

// Whether quantize() writes this type: F32, F16, BF16, Q8_0.
bool ggmlTypeQuantizable(GgmlType type);

// The bytes of `values` stored as `type`. Throws Error if the type is not quantizable or if values.size() is not
// a whole number of blocks (32 for Q8_0).
std::vector<std::byte> quantize(GgmlType type, std::span<const float> values);

} // namespace flatslice::core
