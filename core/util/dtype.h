// SPDX-License-Identifier: GPL-3.0-or-later
// Element types of checkpoint tensors, as named by safetensors ("F32", "BF16", ...).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace flatslice::core {

enum class DType { F64, F32, BF16, F16, I64, I32, I16, I8, U8, Bool };

// Bytes per element.
std::size_t dtypeSize(DType type);

// The safetensors spelling: "F64", "F32", "BF16", "F16", "I64", "I32", "I16", "I8", "U8", "BOOL".
std::string_view dtypeName(DType type);

// Parses the safetensors spelling; nullopt for anything else (the caller names the file and tensor).
std::optional<DType> dtypeFromName(std::string_view name);

// The types a person names for computing or converting ("f32"/"float32", "bf16"/"bfloat16"); nullopt for anything
// else, so that the CLI reports a usage error and the workbench a message, each naming its own option.
std::optional<DType> parseComputeDtype(std::string_view text);

// Converts one IEEE half / bfloat16 value to float and back (round to nearest even).
float halfToFloat(unsigned short bits);
float bf16ToFloat(unsigned short bits);
unsigned short floatToBf16(float value);
unsigned short floatToHalf(float value);

} // namespace flatslice::core
