// SPDX-License-Identifier: GPL-3.0-or-later
#include "model/torchbridge.h"

#include <cstdint>
#include <cstring>

#include "util/error.h"

namespace flatslice::core {

torch::Dtype torchDtype(DType type)
{
    switch (type) {
    case DType::F64: return torch::kFloat64;
    case DType::F32: return torch::kFloat32;
    case DType::BF16: return torch::kBFloat16;
    case DType::F16: return torch::kFloat16;
    case DType::I64: return torch::kInt64;
    case DType::I32: return torch::kInt32;
    case DType::I16: return torch::kInt16;
    case DType::I8: return torch::kInt8;
    case DType::U8: return torch::kUInt8;
    case DType::Bool: return torch::kBool;
    }
    throw Error("unknown dtype");
}

torch::Tensor toTorch(const TensorView& view)
{
    const auto options = torch::TensorOptions().dtype(torchDtype(view.dtype));
    const auto address = reinterpret_cast<std::uintptr_t>(view.bytes.data());
    if (view.bytes.empty())
        return torch::empty(view.shape, options);
    if (address % dtypeSize(view.dtype) != 0) {
        torch::Tensor copy = torch::empty(view.shape, options);
        std::memcpy(copy.data_ptr(), view.bytes.data(), view.bytes.size());
        return copy;
    }
    // from_blob takes a non-const pointer; the storage is never written through it (see the header).
    auto* data = const_cast<std::byte*>(view.bytes.data());
    auto owner = view.owner;
    return torch::from_blob(
        data, view.shape, [owner](void*) mutable { owner.reset(); }, options);
}

} // namespace flatslice::core
