// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/textoverlap.h"

#include <algorithm>
#include <string>
#include <vector>

namespace flatslice::core {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
}

// Words separated by single spaces, no leading or trailing blank.
std::string collapseWhitespace(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (const char c : text) {
        if (isSpace(c)) {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace)
            out.push_back(' ');
        pendingSpace = false;
        out.push_back(c);
    }
    return out;
}

std::uint64_t fnv1a(std::string_view s)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}

} // namespace

TextOverlap measureTextOverlap(std::string_view calibration, std::string_view evaluation,
                               const TextOverlapOptions& options)
{
    TextOverlap result;
    const auto n = static_cast<std::size_t>(std::max<std::int64_t>(1, options.shingle));
    const std::string eval = collapseWhitespace(evaluation);
    const std::string calib = collapseWhitespace(calibration);
    if (eval.size() < n || calib.size() < n)
        return result;
    std::vector<std::uint64_t> known;
    known.reserve(eval.size() - n + 1);
    const std::string_view ev(eval);
    for (std::size_t i = 0; i + n <= ev.size(); ++i)
        known.push_back(fnv1a(ev.substr(i, n)));
    std::sort(known.begin(), known.end());
    const std::string_view cv(calib);
    for (std::size_t i = 0; i + n <= cv.size(); ++i) {
        if (i > 0 && cv[i - 1] != ' ')
            continue; // passages start at words: fewer lookups, same verdict
        ++result.checked;
        if (std::binary_search(known.begin(), known.end(), fnv1a(cv.substr(i, n))))
            ++result.shared;
    }
    return result;
}

} // namespace flatslice::core
