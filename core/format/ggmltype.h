// SPDX-License-Identifier: GPL-3.0-or-later
// ggml's tensor element types, as stored in GGUF tensor infos.
//
// The numeric values are ggml's (ggml.h `enum ggml_type`) and are what a GGUF file stores, so a raw uint32 from a
// file may be cast to GgmlType only after ggmlTypeKnown() says yes. Types ggml has removed (4, 5, 31-33, 36-38)
// are not known: a file that uses them cannot be read by current ggml either.
//
// Block size and type size follow ggml's type_traits (ggml-common.h): a tensor of `n` elements of type `t` takes
// n / ggmlBlockSize(t) * ggmlTypeSize(t) bytes, and each row (ne[0]) is a whole number of blocks. Pure functions,
// thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace flatslice::core {

enum class GgmlType : std::uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
};

// Whether `raw` is a type this build knows the layout of (block and type size).
bool ggmlTypeKnown(std::uint32_t raw);

// ggml's spelling ("Q4_K", "BF16"); "type 31" for anything not known.
std::string ggmlTypeName(GgmlType type);

// Elements per block (1 for plain types, 32 for Q4_0, 256 for the K-quants); 0 for an unknown type.
std::uint64_t ggmlBlockSize(GgmlType type);

// Bytes per block; 0 for an unknown type.
std::uint64_t ggmlTypeSize(GgmlType type);

// Whether dequantize() (ggufdequant.h) converts this type to f32: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K, Q3_K, Q4_K, Q5_K, Q6_K.
bool ggmlTypeDequantizable(GgmlType type);

} // namespace flatslice::core
