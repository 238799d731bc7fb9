// SPDX-License-Identifier: GPL-3.0-or-later
// A typed, shaped, read-only view of tensor bytes, with whatever keeps those bytes alive.
//
// Readers hand these out without copying where they can (safetensors: a slice of the file mapping). When a
// conversion is needed (GGUF dequantization) `owner` holds the freshly allocated buffer instead. Shapes are
// row-major, outermost dimension first, as in PyTorch. A view is cheap to copy and safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "util/dtype.h"

namespace flatslice::core {

struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::span<const std::byte> bytes;  // exactly numel() * dtypeSize(dtype) bytes
    std::shared_ptr<const void> owner; // keeps `bytes` valid

    std::int64_t numel() const
    {
        std::int64_t n = 1;
        for (const auto d : shape)
            n *= d;
        return n;
    }
};

// Makes a view that owns a copy of `values` (row-major, shape as given).
TensorView makeOwnedF32(std::string name, std::vector<std::int64_t> shape, std::vector<float> values);

// Reads any floating-point view (F64/F32/BF16/F16) into f32 values. Throws Error for integer dtypes.
std::vector<float> toFloatVector(const TensorView& view);

} // namespace flatslice::core
