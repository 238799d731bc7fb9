// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/dtype.h"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

namespace flatslice::core {

namespace {
struct DTypeInfo {
    DType type;
    std::string_view name;
    std::size_t size;
};
constexpr std::array<DTypeInfo, 10> kTypes{{
    {DType::F64, "F64", 8},
    {DType::F32, "F32", 4},
    {DType::BF16, "BF16", 2},
    {DType::F16, "F16", 2},
    {DType::I64, "I64", 8},
    {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},
    {DType::I8, "I8", 1},
    {DType::U8, "U8", 1},
    {DType::Bool, "BOOL", 1},
}};
} // namespace

std::optional<DType> parseComputeDtype(std::string_view text)
{
    if (text == "f32" || text == "float32")
        return DType::F32;
    if (text == "bf16" || text == "bfloat16")
        return DType::BF16;
    return std::nullopt;
}

std::size_t dtypeSize(DType type)
{
    return kTypes[static_cast<std::size_t>(type)].size;
}

std::string_view dtypeName(DType type)
{
    return kTypes[static_cast<std::size_t>(type)].name;
}

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (const auto& info : kTypes)
        if (info.name == name)
            return info.type;
    return std::nullopt;
}

float halfToFloat(unsigned short bits)
{
    const std::uint32_t sign = (bits & 0x8000u) << 16;
    const std::uint32_t exponent = (bits >> 10) & 0x1fu;
    const std::uint32_t mantissa = bits & 0x3ffu;
    std::uint32_t out = 0;
    if (exponent == 0) {
        if (mantissa == 0) {
            out = sign;
        } else { // subnormal: value = mantissa * 2^-24
            const float value = std::ldexp(static_cast<float>(mantissa), -24);
            return sign ? -value : value;
        }
    } else if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13);
    } else {
        out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(out);
}

float bf16ToFloat(unsigned short bits)
{
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

unsigned short floatToBf16(float value)
{
    std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    if (std::isnan(value))
        return static_cast<unsigned short>((bits >> 16) | 0x40u); // keep it a quiet NaN
    bits += 0x7fffu + ((bits >> 16) & 1u);                        // round to nearest even
    return static_cast<unsigned short>(bits >> 16);
}

unsigned short floatToHalf(float value)
{
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    const auto sign = static_cast<unsigned short>((bits >> 16) & 0x8000u);
    if (std::isnan(value))
        return static_cast<unsigned short>(sign | 0x7e00u);
    const float magnitude = std::fabs(value);
    if (magnitude >= 65520.0f) // rounds to infinity
        return static_cast<unsigned short>(sign | 0x7c00u);
    if (magnitude < 6.103515625e-05f) { // subnormal half: multiples of 2^-24
        const auto steps = static_cast<unsigned short>(std::nearbyint(magnitude * 16777216.0f));
        return static_cast<unsigned short>(sign | steps);
    }
    std::uint32_t m = bits & 0x7fffffffu;
    m += 0xfffu + ((m >> 13) & 1u); // round to nearest even at bit 13
    const std::uint32_t exponent = (m >> 23) - 112u;
    return static_cast<unsigned short>(sign | (exponent << 10) | ((m >> 13) & 0x3ffu));
}

} // namespace flatslice::core
