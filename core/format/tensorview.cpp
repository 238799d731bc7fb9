// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/tensorview.h"

#include <cstring>

#include "util/error.h"

namespace flatslice::core {

TensorView makeOwnedF32(std::string name, std::vector<std::int64_t> shape, std::vector<float> values)
{
    auto storage = std::make_shared<std::vector<float>>(std::move(values));
    TensorView view;
    view.name = std::move(name);
    view.dtype = DType::F32;
    view.shape = std::move(shape);
    view.bytes = std::as_bytes(std::span<const float>(*storage));
    view.owner = storage;
    return view;
}

std::vector<float> toFloatVector(const TensorView& view)
{
    const auto n = static_cast<std::size_t>(view.numel());
    std::vector<float> out(n);
    const std::byte* src = view.bytes.data();
    switch (view.dtype) {
    case DType::F32: std::memcpy(out.data(), src, n * sizeof(float)); break;
    case DType::F64:
        for (std::size_t i = 0; i < n; ++i) {
            double v = 0;
            std::memcpy(&v, src + i * 8, 8);
            out[i] = static_cast<float>(v);
        }
        break;
    case DType::BF16:
    case DType::F16:
        for (std::size_t i = 0; i < n; ++i) {
            unsigned short bits = 0;
            std::memcpy(&bits, src + i * 2, 2);
            out[i] = view.dtype == DType::BF16 ? bf16ToFloat(bits) : halfToFloat(bits);
        }
        break;
    default:
        throw Error("tensor '" + view.name + "' has dtype " + std::string(dtypeName(view.dtype)) +
                    ", expected a floating-point type");
    }
    return out;
}

} // namespace flatslice::core
