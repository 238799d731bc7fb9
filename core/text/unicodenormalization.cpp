// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/unicodenormalization.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

#include "text/utf8.h"

namespace flatslice::core {

namespace {

struct CccRange {
    std::uint32_t first, last;
    std::uint8_t ccc;
};
struct Decomposition {
    std::uint32_t cp, first, second;
};
struct Composition {
    std::uint32_t first, second, composite;
};
struct CodeRange {
    std::uint32_t first, last;
};

#include "text/unicodetables.inc"

// Hangul syllables compose and decompose algorithmically (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

template <std::size_t N>
bool inRanges(const CodeRange (&ranges)[N], char32_t cp)
{
    const auto it = std::upper_bound(std::begin(ranges), std::end(ranges), cp,
                                     [](char32_t c, const CodeRange& r) { return c < r.first; });
    return it != std::begin(ranges) && cp <= std::prev(it)->last;
}

std::uint8_t combiningClass(char32_t cp)
{
    if (cp < 0x300)
        return 0;
    const auto it = std::upper_bound(std::begin(kCccRanges), std::end(kCccRanges), cp,
                                     [](char32_t c, const CccRange& r) { return c < r.first; });
    if (it == std::begin(kCccRanges) || cp > std::prev(it)->last)
        return 0;
    return std::prev(it)->ccc;
}

void decompose(char32_t cp, std::vector<char32_t>& out)
{
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t s = cp - kSBase;
        out.push_back(kLBase + s / kNCount);
        out.push_back(kVBase + (s % kNCount) / kTCount);
        if (s % kTCount != 0)
            out.push_back(kTBase + s % kTCount);
        return;
    }
    const auto it = std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions), cp,
                                     [](const Decomposition& d, char32_t c) { return d.cp < c; });
    if (it == std::end(kDecompositions) || it->cp != cp) {
        out.push_back(cp);
        return;
    }
    decompose(it->first, out);
    if (it->second != 0)
        decompose(it->second, out);
}

char32_t compose(char32_t a, char32_t b)
{
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
        return a + (b - kTBase);
    const auto it = std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::pair{a, b},
                                     [](const Composition& c, const std::pair<char32_t, char32_t>& key) {
                                         return c.first != key.first ? c.first < key.first : c.second < key.second;
                                     });
    if (it != std::end(kCompositions) && it->first == a && it->second == b)
        return it->composite;
    return 0;
}

// The quick check of UAX #15: true when `text` is certainly NFC already.
bool quickCheckYes(std::string_view text)
{
    std::uint8_t lastClass = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            lastClass = 0;
            continue;
        }
        const char32_t cp = utf8::next(text, pos);
        if (cp < 0x300) {
            lastClass = 0;
            continue;
        }
        const std::uint8_t cc = combiningClass(cp);
        if ((cc != 0 && lastClass > cc) || inRanges(kQuickCheckNo, cp) || inRanges(kQuickCheckMaybe, cp))
            return false;
        lastClass = cc;
    }
    return true;
}

} // namespace

std::string toNfc(std::string_view text)
{
    if (quickCheckYes(text))
        return std::string(text);

    std::vector<char32_t> chars;
    chars.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();)
        decompose(utf8::next(text, pos), chars);

    // Canonical ordering: stable sort of each run of non-starters by combining class.
    for (std::size_t i = 0; i < chars.size();) {
        if (combiningClass(chars[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < chars.size() && combiningClass(chars[j]) != 0)
            ++j;
        std::stable_sort(chars.begin() + static_cast<std::ptrdiff_t>(i), chars.begin() + static_cast<std::ptrdiff_t>(j),
                         [](char32_t a, char32_t b) { return combiningClass(a) < combiningClass(b); });
        i = j;
    }

    // Canonical composition (the reference algorithm of UAX #15).
    if (!chars.empty()) {
        std::size_t starterPos = 0, out = 1;
        char32_t starter = chars[0];
        int lastClass = combiningClass(starter) != 0 ? 256 : 0;
        for (std::size_t i = 1; i < chars.size(); ++i) {
            const char32_t ch = chars[i];
            const int chClass = combiningClass(ch);
            const char32_t composite = compose(starter, ch);
            if (composite != 0 && (lastClass < chClass || lastClass == 0)) {
                chars[starterPos] = composite;
                starter = composite;
                continue;
            }
            if (chClass == 0) {
                starterPos = out;
                starter = ch;
            }
            lastClass = chClass;
            chars[out++] = ch;
        }
        chars.resize(out);
    }

    std::string result;
    result.reserve(text.size());
    for (const char32_t cp : chars)
        utf8::append(result, cp);
    return result;
}

} // namespace flatslice::core
