// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/ggufquantize.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "util/dtype.h"
#include "util/error.h"

namespace flatslice::core {

static_assert(std::endian::native == std::endian::little, "ggml blocks are written as little-endian");

namespace {

constexpr std::size_t kQ8Block = 32;
constexpr std::size_t kQ8Bytes = 34; // f16 d + 32 int8

void putU16(std::byte* p, unsigned short bits)
{
    std::memcpy(p, &bits, sizeof bits);
}

void quantizeQ8_0(std::span<const float> x, std::byte* out)
{
    for (std::size_t b = 0; b < x.size() / kQ8Block; ++b, out += kQ8Bytes) {
        const float* block = x.data() + b * kQ8Block;
        float amax = 0.0f;
        for (std::size_t j = 0; j < kQ8Block; ++j)
            amax = std::max(amax, std::fabs(block[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        putU16(out, floatToHalf(d));
        for (std::size_t j = 0; j < kQ8Block; ++j) {
            const auto q = static_cast<std::int8_t>(std::round(block[j] * id)); // |q| <= 127 by construction
            std::memcpy(out + 2 + j, &q, 1);
        }
    }
}

} // namespace

bool ggmlTypeQuantizable(GgmlType type)
{
    return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16 || type == GgmlType::Q8_0;
}

std::vector<std::byte> quantize(GgmlType type, std::span<const float> values)
{
    if (!ggmlTypeQuantizable(type))
        throw Error("cannot write ggml type " + ggmlTypeName(type) + "; the exporter writes F32, F16, BF16 and Q8_0");
    const std::size_t block = ggmlBlockSize(type);
    if (values.size() % block != 0)
        throw Error(std::to_string(values.size()) + " values are not a whole number of " + ggmlTypeName(type) +
                    " blocks of " + std::to_string(block));
    std::vector<std::byte> out(values.size() / block * ggmlTypeSize(type));
    switch (type) {
    case GgmlType::F32: std::memcpy(out.data(), values.data(), out.size()); break;
    case GgmlType::F16:
        for (std::size_t i = 0; i < values.size(); ++i)
            putU16(out.data() + 2 * i, floatToHalf(values[i]));
        break;
    case GgmlType::BF16:
        for (std::size_t i = 0; i < values.size(); ++i)
            putU16(out.data() + 2 * i, floatToBf16(values[i]));
        break;
    default: quantizeQ8_0(values, out.data()); break;
    }
    return out;
}

} // namespace flatslice::core
