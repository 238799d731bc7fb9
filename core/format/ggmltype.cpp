// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/ggmltype.h"

#include <array>
#include <string_view>

namespace flatslice::core {

namespace {

constexpr std::uint64_t kQK_K = 256; // elements in a K-quant super-block

struct TypeInfo {
    std::string_view name; // empty: not a known type
    std::uint64_t blockSize = 0;
    std::uint64_t typeSize = 0;
    bool dequantizable = false;
};

// Indexed by the raw ggml type id. Sizes from ggml-common.h's block structs (static_asserts there), not from the
// gguf Python package, which still lists Q8_1 at 40 bytes although ggml's block_q8_1 holds two halves (36).
constexpr std::array<TypeInfo, 42> kTypes = [] {
    std::array<TypeInfo, 42> t{};
    t[0] = {"F32", 1, 4, true};
    t[1] = {"F16", 1, 2, true};
    t[2] = {"Q4_0", 32, 2 + 16, true};
    t[3] = {"Q4_1", 32, 2 + 2 + 16, true};
    t[6] = {"Q5_0", 32, 2 + 4 + 16, true};
    t[7] = {"Q5_1", 32, 2 + 2 + 4 + 16, true};
    t[8] = {"Q8_0", 32, 2 + 32, true};
    t[9] = {"Q8_1", 32, 2 + 2 + 32, false};
    t[10] = {"Q2_K", kQK_K, 2 + 2 + kQK_K / 16 + kQK_K / 4, true};
    t[11] = {"Q3_K", kQK_K, 2 + kQK_K / 4 + kQK_K / 8 + 12, true};
    t[12] = {"Q4_K", kQK_K, 2 + 2 + 12 + kQK_K / 2, true};
    t[13] = {"Q5_K", kQK_K, 2 + 2 + 12 + kQK_K / 2 + kQK_K / 8, true};
    t[14] = {"Q6_K", kQK_K, 2 + kQK_K / 2 + kQK_K / 4 + kQK_K / 16, true};
    t[15] = {"Q8_K", kQK_K, 4 + kQK_K + kQK_K / 16 * 2, false};
    t[16] = {"IQ2_XXS", kQK_K, 2 + kQK_K / 8 * 2, false};
    t[17] = {"IQ2_XS", kQK_K, 2 + kQK_K / 8 * 2 + kQK_K / 32, false};
    t[18] = {"IQ3_XXS", kQK_K, 2 + 3 * (kQK_K / 8), false};
    t[19] = {"IQ1_S", kQK_K, 2 + kQK_K / 8 + kQK_K / 16, false};
    t[20] = {"IQ4_NL", 32, 2 + 16, false};
    t[21] = {"IQ3_S", kQK_K, 2 + 13 * (kQK_K / 32) + kQK_K / 64, false};
    t[22] = {"IQ2_S", kQK_K, 2 + kQK_K / 4 + kQK_K / 16, false};
    t[23] = {"IQ4_XS", kQK_K, 2 + 2 + kQK_K / 64 + kQK_K / 2, false};
    t[24] = {"I8", 1, 1, false};
    t[25] = {"I16", 1, 2, false};
    t[26] = {"I32", 1, 4, false};
    t[27] = {"I64", 1, 8, false};
    t[28] = {"F64", 1, 8, false};
    t[29] = {"IQ1_M", kQK_K, kQK_K / 8 + kQK_K / 16 + kQK_K / 32, false};
    t[30] = {"BF16", 1, 2, true};
    t[34] = {"TQ1_0", kQK_K, 2 + kQK_K / 64 + (kQK_K - 4 * kQK_K / 64) / 5, false};
    t[35] = {"TQ2_0", kQK_K, 2 + kQK_K / 4, false};
    t[39] = {"MXFP4", 32, 1 + 16, false};
    t[40] = {"NVFP4", 64, 4 + 32, false};
    t[41] = {"Q1_0", 128, 2 + 128 / 8, false};
    return t;
}();

const TypeInfo* info(std::uint32_t raw)
{
    if (raw >= kTypes.size() || kTypes[raw].name.empty())
        return nullptr;
    return &kTypes[raw];
}

} // namespace

bool ggmlTypeKnown(std::uint32_t raw)
{
    return info(raw) != nullptr;
}

std::string ggmlTypeName(GgmlType type)
{
    const auto raw = static_cast<std::uint32_t>(type);
    if (const auto* known = info(raw))
        return std::string(known->name);
    return "type " + std::to_string(raw);
}

std::uint64_t ggmlBlockSize(GgmlType type)
{
    const auto* known = info(static_cast<std::uint32_t>(type));
    return known ? known->blockSize : 0;
}

std::uint64_t ggmlTypeSize(GgmlType type)
{
    const auto* known = info(static_cast<std::uint32_t>(type));
    return known ? known->typeSize : 0;
}

bool ggmlTypeDequantizable(GgmlType type)
{
    const auto* known = info(static_cast<std::uint32_t>(type));
    return known && known->dequantizable;
}

} // namespace flatslice::core
