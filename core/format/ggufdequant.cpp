// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/ggufdequant.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "util/dtype.h"
#include "util/error.h"

namespace flatslice::core {

static_assert(std::endian::native == std::endian::little, "ggml blocks are read as little-endian");

namespace {

// Below this many output values per thread, starting a thread costs more than it saves.
constexpr std::size_t kMinValuesPerThread = std::size_t{1} << 16;

// Converts `blocks` whole blocks starting at `src` into `dst`. Blocks carry no alignment guarantee (a Q3_K block is
// 110 bytes), so every multi-byte field is read through memcpy.
using Kernel = void (*)(const std::byte* src, float* dst, std::size_t blocks);

inline std::uint8_t byteAt(const std::byte* p, std::size_t i)
{
    return static_cast<std::uint8_t>(p[i]);
}

inline float halfAt(const std::byte* p)
{
    std::uint16_t bits = 0;
    std::memcpy(&bits, p, sizeof bits);
    return halfToFloat(bits);
}

inline float toFloat(int value)
{
    return static_cast<float>(value);
}

void convertF32(const std::byte* src, float* dst, std::size_t n)
{
    std::memcpy(dst, src, n * sizeof(float));
}

void convertF16(const std::byte* src, float* dst, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i)
        dst[i] = halfAt(src + 2 * i);
}

void convertBF16(const std::byte* src, float* dst, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) {
        std::uint16_t bits = 0;
        std::memcpy(&bits, src + 2 * i, sizeof bits);
        dst[i] = bf16ToFloat(bits);
    }
}

// Q4_0: f16 d, 16 bytes of nibbles. Low nibbles are elements 0..15, high nibbles 16..31; value = (q - 8) * d.
void dequantQ4_0(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 18, dst += 32) {
        const float d = halfAt(src);
        const std::byte* qs = src + 2;
        for (std::size_t j = 0; j < 16; ++j) {
            const int q = byteAt(qs, j);
            dst[j] = toFloat((q & 0x0f) - 8) * d;
            dst[j + 16] = toFloat((q >> 4) - 8) * d;
        }
    }
}

// Q4_1: f16 d, f16 m, 16 bytes of nibbles; value = q * d + m.
void dequantQ4_1(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 20, dst += 32) {
        const float d = halfAt(src);
        const float m = halfAt(src + 2);
        const std::byte* qs = src + 4;
        for (std::size_t j = 0; j < 16; ++j) {
            const int q = byteAt(qs, j);
            dst[j] = toFloat(q & 0x0f) * d + m;
            dst[j + 16] = toFloat(q >> 4) * d + m;
        }
    }
}

// Q5_0: f16 d, 32 high bits (bit j belongs to element j), 16 bytes of low nibbles; value = (q - 16) * d.
void dequantQ5_0(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 22, dst += 32) {
        const float d = halfAt(src);
        std::uint32_t qh = 0;
        std::memcpy(&qh, src + 2, sizeof qh);
        const std::byte* qs = src + 6;
        for (std::size_t j = 0; j < 16; ++j) {
            const int q = byteAt(qs, j);
            const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
            const int h1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
            dst[j] = toFloat(((q & 0x0f) | h0) - 16) * d;
            dst[j + 16] = toFloat(((q >> 4) | h1) - 16) * d;
        }
    }
}

// Q5_1: f16 d, f16 m, 32 high bits, 16 bytes of low nibbles; value = q * d + m.
void dequantQ5_1(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 24, dst += 32) {
        const float d = halfAt(src);
        const float m = halfAt(src + 2);
        std::uint32_t qh = 0;
        std::memcpy(&qh, src + 4, sizeof qh);
        const std::byte* qs = src + 8;
        for (std::size_t j = 0; j < 16; ++j) {
            const int q = byteAt(qs, j);
            const int h0 = static_cast<int>((qh >> j) & 1u) << 4;
            const int h1 = static_cast<int>((qh >> (j + 16)) & 1u) << 4;
            dst[j] = toFloat((q & 0x0f) | h0) * d + m;
            dst[j + 16] = toFloat((q >> 4) | h1) * d + m;
        }
    }
}

// Q8_0: f16 d, 32 signed bytes; value = q * d.
void dequantQ8_0(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 34, dst += 32) {
        const float d = halfAt(src);
        for (std::size_t j = 0; j < 32; ++j)
            dst[j] = toFloat(static_cast<std::int8_t>(byteAt(src + 2, j))) * d;
    }
}

// Q2_K (84 bytes): scales[16] (low nibble scale, high nibble min), qs[64] (2-bit quants), f16 d, f16 dmin.
// Each 128-element half reads 32 quant bytes four times, at shifts 0, 2, 4, 6; each 16 elements has its own
// scale byte. value = d * scale * q - dmin * min.
void dequantQ2_K(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 84) {
        const std::byte* scales = src;
        const std::byte* q = src + 16;
        const float d = halfAt(src + 80);
        const float dmin = halfAt(src + 82);
        std::size_t is = 0;
        for (int half = 0; half < 2; ++half, q += 32) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (std::size_t part = 0; part < 2; ++part) {
                    const int sc = byteAt(scales, is++);
                    const float dl = d * toFloat(sc & 0x0f);
                    const float ml = dmin * toFloat(sc >> 4);
                    for (std::size_t l = 0; l < 16; ++l)
                        *dst++ = dl * toFloat((byteAt(q, l + 16 * part) >> shift) & 3) - ml;
                }
            }
        }
    }
}

// Q3_K (110 bytes): hmask[32] (high bits), qs[64] (low 2 bits), scales[12] (sixteen 6-bit scales), f16 d.
// Scale k: low 4 bits from byte k (k < 8) or the high nibble of byte k - 8; high 2 bits from byte 8 + k % 4 at
// shift 2 * (k / 4); stored with a +32 offset. A quant is 4 lower than its 2 bits unless its hmask bit is set.
void dequantQ3_K(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 110) {
        const std::byte* hmask = src;
        const std::byte* q = src + 32;
        const std::byte* packed = src + 96;
        const float d = halfAt(src + 108);
        int scales[16];
        for (std::size_t k = 0; k < 16; ++k) {
            const int low = k < 8 ? byteAt(packed, k) & 0x0f : byteAt(packed, k - 8) >> 4;
            const int high = (byteAt(packed, 8 + k % 4) >> (2 * (k / 4))) & 3;
            scales[k] = (low | (high << 4)) - 32;
        }
        std::size_t is = 0;
        unsigned mask = 1;
        for (int half = 0; half < 2; ++half, q += 32) {
            for (int shift = 0; shift < 8; shift += 2, mask <<= 1) {
                for (std::size_t part = 0; part < 2; ++part) {
                    const float dl = d * toFloat(scales[is++]);
                    for (std::size_t l = 16 * part; l < 16 * part + 16; ++l) {
                        const int low = (byteAt(q, l) >> shift) & 3;
                        const int offset = (byteAt(hmask, l) & mask) ? 0 : 4;
                        *dst++ = dl * toFloat(low - offset);
                    }
                }
            }
        }
    }
}

// The 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes shared by Q4_K and Q5_K.
inline void scaleMinK4(std::size_t j, const std::byte* packed, int& scale, int& min)
{
    if (j < 4) {
        scale = byteAt(packed, j) & 63;
        min = byteAt(packed, j + 4) & 63;
    } else {
        scale = (byteAt(packed, j + 4) & 0x0f) | ((byteAt(packed, j - 4) >> 6) << 4);
        min = (byteAt(packed, j + 4) >> 4) | ((byteAt(packed, j) >> 6) << 4);
    }
}

// Q4_K (144 bytes): f16 d, f16 dmin, scales[12], qs[128]. Each 64 elements read 32 bytes: low nibbles with
// sub-block 2i, high nibbles with 2i + 1. value = d * scale * q - dmin * min.
void dequantQ4_K(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 144) {
        const float d = halfAt(src);
        const float dmin = halfAt(src + 2);
        const std::byte* packed = src + 4;
        const std::byte* q = src + 16;
        for (std::size_t j = 0; j < 8; j += 2, q += 32) {
            int sc = 0;
            int m = 0;
            scaleMinK4(j, packed, sc, m);
            const float d1 = d * toFloat(sc);
            const float m1 = dmin * toFloat(m);
            scaleMinK4(j + 1, packed, sc, m);
            const float d2 = d * toFloat(sc);
            const float m2 = dmin * toFloat(m);
            for (std::size_t l = 0; l < 32; ++l)
                *dst++ = d1 * toFloat(byteAt(q, l) & 0x0f) - m1;
            for (std::size_t l = 0; l < 32; ++l)
                *dst++ = d2 * toFloat(byteAt(q, l) >> 4) - m2;
        }
    }
}

// Q5_K (176 bytes): f16 d, f16 dmin, scales[12], qh[32], qs[128]. Like Q4_K, plus a fifth bit per element from
// qh: bit 2i for the low nibbles of the i-th 64 elements, bit 2i + 1 for the high nibbles.
void dequantQ5_K(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 176) {
        const float d = halfAt(src);
        const float dmin = halfAt(src + 2);
        const std::byte* packed = src + 4;
        const std::byte* qh = src + 16;
        const std::byte* ql = src + 48;
        unsigned u1 = 1;
        unsigned u2 = 2;
        for (std::size_t j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
            int sc = 0;
            int m = 0;
            scaleMinK4(j, packed, sc, m);
            const float d1 = d * toFloat(sc);
            const float m1 = dmin * toFloat(m);
            scaleMinK4(j + 1, packed, sc, m);
            const float d2 = d * toFloat(sc);
            const float m2 = dmin * toFloat(m);
            for (std::size_t l = 0; l < 32; ++l)
                *dst++ = d1 * toFloat((byteAt(ql, l) & 0x0f) + ((byteAt(qh, l) & u1) ? 16 : 0)) - m1;
            for (std::size_t l = 0; l < 32; ++l)
                *dst++ = d2 * toFloat((byteAt(ql, l) >> 4) + ((byteAt(qh, l) & u2) ? 16 : 0)) - m2;
        }
    }
}

// Q6_K (210 bytes): ql[128] (low nibbles), qh[64] (2 high bits), int8 scales[16], f16 d. Each 128-element half
// reads 64 ql bytes and 32 qh bytes; value = d * scale * (q - 32), one scale per 16 elements.
void dequantQ6_K(const std::byte* src, float* dst, std::size_t blocks)
{
    for (std::size_t b = 0; b < blocks; ++b, src += 210) {
        const std::byte* ql = src;
        const std::byte* qh = src + 128;
        const std::byte* sc = src + 192;
        const float d = halfAt(src + 208);
        for (int half = 0; half < 2; ++half, dst += 128, ql += 64, qh += 32, sc += 8) {
            for (std::size_t l = 0; l < 32; ++l) {
                const std::size_t is = l / 16;
                const int h = byteAt(qh, l);
                const int q1 = ((byteAt(ql, l) & 0x0f) | ((h & 3) << 4)) - 32;
                const int q2 = ((byteAt(ql, l + 32) & 0x0f) | (((h >> 2) & 3) << 4)) - 32;
                const int q3 = ((byteAt(ql, l) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                const int q4 = ((byteAt(ql, l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                const auto scale = [&](std::size_t i) { return toFloat(static_cast<std::int8_t>(byteAt(sc, i))); };
                dst[l] = d * scale(is) * toFloat(q1);
                dst[l + 32] = d * scale(is + 2) * toFloat(q2);
                dst[l + 64] = d * scale(is + 4) * toFloat(q3);
                dst[l + 96] = d * scale(is + 6) * toFloat(q4);
            }
        }
    }
}

Kernel kernelFor(GgmlType type)
{
    switch (type) {
    case GgmlType::F32: return convertF32;
    case GgmlType::F16: return convertF16;
    case GgmlType::BF16: return convertBF16;
    case GgmlType::Q4_0: return dequantQ4_0;
    case GgmlType::Q4_1: return dequantQ4_1;
    case GgmlType::Q5_0: return dequantQ5_0;
    case GgmlType::Q5_1: return dequantQ5_1;
    case GgmlType::Q8_0: return dequantQ8_0;
    case GgmlType::Q2_K: return dequantQ2_K;
    case GgmlType::Q3_K: return dequantQ3_K;
    case GgmlType::Q4_K: return dequantQ4_K;
    case GgmlType::Q5_K: return dequantQ5_K;
    case GgmlType::Q6_K: return dequantQ6_K;
    default: return nullptr;
    }
}

} // namespace

void dequantize(GgmlType type, std::span<const std::byte> src, std::span<float> dst)
{
    const Kernel kernel = ggmlTypeDequantizable(type) ? kernelFor(type) : nullptr;
    if (!kernel)
        throw Error("cannot dequantize ggml type " + ggmlTypeName(type));
    const auto blockSize = static_cast<std::size_t>(ggmlBlockSize(type));
    const auto typeSize = static_cast<std::size_t>(ggmlTypeSize(type));
    if (src.size() % typeSize != 0)
        throw Error("cannot dequantize " + std::to_string(src.size()) + " bytes of " + ggmlTypeName(type) +
                    ": not a whole number of " + std::to_string(typeSize) + "-byte blocks");
    const std::size_t blocks = src.size() / typeSize;
    if (dst.size() / blockSize != blocks || dst.size() % blockSize != 0)
        throw Error("cannot dequantize " + std::to_string(blocks) + " blocks of " + ggmlTypeName(type) + " (" +
                    std::to_string(blocks) + " x " + std::to_string(blockSize) + " values) into " +
                    std::to_string(dst.size()) + " floats");
    if (blocks == 0)
        return;

    const std::size_t hardware = std::max<std::size_t>(1, std::thread::hardware_concurrency());
    const std::size_t wanted = std::max<std::size_t>(1, dst.size() / kMinValuesPerThread);
    const std::size_t threads = std::min({hardware, wanted, blocks});
    const std::size_t perThread = (blocks + threads - 1) / threads;

    std::vector<std::jthread> workers;
    workers.reserve(threads);
    std::size_t first = 0;
    // All chunks but the last go to new threads; the last runs here. If the system refuses a thread, that chunk
    // runs here too: slower, never wrong.
    for (; first + perThread < blocks; first += perThread) {
        const std::byte* in = src.data() + first * typeSize;
        float* out = dst.data() + first * blockSize;
        try {
            workers.emplace_back(kernel, in, out, perThread);
        } catch (const std::system_error&) {
            kernel(in, out, perThread);
        }
    }
    kernel(src.data() + first * typeSize, dst.data() + first * blockSize, blocks - first);
} // the jthreads join here

} // namespace flatslice::core
