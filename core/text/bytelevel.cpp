// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/bytelevel.h"

#include <array>
#include <cstdint>

#include "text/utf8.h"

namespace flatslice::core::bytelevel {

namespace {

struct Tables {
    std::array<std::string, 256> encoded;    // byte -> UTF-8 of its character
    std::array<std::int16_t, 512> decoded{}; // code point (< 512) -> byte, or -1

    Tables()
    {
        // openai/gpt-2 encoder.py bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others are
        // shifted to U+0100 and up, in byte order.
        decoded.fill(-1);
        int shifted = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + shifted++);
            utf8::append(encoded[static_cast<std::size_t>(b)], cp);
            decoded[cp] = static_cast<std::int16_t>(b);
        }
    }
};

const Tables& tables()
{
    static const Tables t;
    return t;
}

} // namespace

void appendEncoded(std::string& out, std::string_view text)
{
    const Tables& t = tables();
    for (const char c : text)
        out += t.encoded[static_cast<unsigned char>(c)];
}

std::optional<unsigned char> byteOf(char32_t cp)
{
    if (cp >= 512)
        return std::nullopt;
    const std::int16_t b = tables().decoded[cp];
    if (b < 0)
        return std::nullopt;
    return static_cast<unsigned char>(b);
}

} // namespace flatslice::core::bytelevel
