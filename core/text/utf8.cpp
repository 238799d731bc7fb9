// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/utf8.h"

namespace flatslice::core::utf8 {

namespace {

bool inRange(unsigned char c, unsigned char lo, unsigned char hi)
{
    return c >= lo && c <= hi;
}

} // namespace

std::size_t validSequenceLength(std::string_view s, std::size_t pos, std::size_t* invalidLength)
{
    const auto byte = [&](std::size_t i) -> int {
        return pos + i < s.size() ? static_cast<unsigned char>(s[pos + i]) : -1;
    };
    const auto b0 = static_cast<unsigned char>(s[pos]);
    if (b0 < 0x80)
        return 1;
    // The second byte's range depends on the lead (Unicode Table 3-7); later bytes are plain continuations.
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (inRange(b0, 0xC2, 0xDF)) {
        need = 2;
    } else if (b0 == 0xE0) {
        need = 3, lo = 0xA0;
    } else if (inRange(b0, 0xE1, 0xEC) || inRange(b0, 0xEE, 0xEF)) {
        need = 3;
    } else if (b0 == 0xED) {
        need = 3, hi = 0x9F;
    } else if (b0 == 0xF0) {
        need = 4, lo = 0x90;
    } else if (inRange(b0, 0xF1, 0xF3)) {
        need = 4;
    } else if (b0 == 0xF4) {
        need = 4, hi = 0x8F;
    }
    if (need == 0) {
        if (invalidLength)
            *invalidLength = 1;
        return 0;
    }
    for (std::size_t i = 1; i < need; ++i) {
        const int b = byte(i);
        const bool ok = b >= 0 && (i == 1 ? inRange(static_cast<unsigned char>(b), lo, hi)
                                          : inRange(static_cast<unsigned char>(b), 0x80, 0xBF));
        if (!ok) {
            if (invalidLength)
                *invalidLength = i;
            return 0;
        }
    }
    return need;
}

bool isValid(std::string_view s)
{
    for (std::size_t pos = 0; pos < s.size();) {
        // ASCII runs are the common case; skip them eight at a time would be faster, but this is not hot.
        if (static_cast<unsigned char>(s[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const std::size_t n = validSequenceLength(s, pos);
        if (n == 0)
            return false;
        pos += n;
    }
    return true;
}

std::string sanitize(std::string_view s)
{
    if (isValid(s))
        return std::string(s);
    std::string out;
    out.reserve(s.size() + 16);
    for (std::size_t pos = 0; pos < s.size();) {
        std::size_t bad = 0;
        const std::size_t n = validSequenceLength(s, pos, &bad);
        if (n > 0) {
            out.append(s.substr(pos, n));
            pos += n;
        } else {
            out += "\xEF\xBF\xBD";
            pos += bad;
        }
    }
    return out;
}

char32_t next(std::string_view s, std::size_t& pos)
{
    const auto b0 = static_cast<unsigned char>(s[pos]);
    const std::size_t n = charLength(b0);
    char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1Fu) : n == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
    for (std::size_t i = 1; i < n && pos + i < s.size(); ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3Fu);
    pos += n;
    return cp;
}

void append(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool isWhitespace(char32_t cp)
{
    switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
    }
}

} // namespace flatslice::core::utf8
