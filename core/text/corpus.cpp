// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/corpus.h"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>

#include "text/tokenizer.h"
#include "util/error.h"
#include "util/filereader.h"
#include "util/sha256.h"

namespace flatslice::core {

namespace {

// Uniform integer in [0, n) from the raw 64-bit stream: reject the top partial block so every value is equally
// likely. std::uniform_int_distribution would differ between standard libraries.
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t n)
{
    constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t limit = top - (top % n + 1) % n; // largest multiple of n, minus one
    std::uint64_t x = rng();
    while (x > limit)
        x = rng();
    return x % n;
}

std::string count(std::int64_t n)
{
    return std::to_string(n);
}

} // namespace

std::string tokenIdsSha256(std::span<const std::int32_t> ids)
{
    std::vector<std::byte> bytes(ids.size() * 4);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto v = static_cast<std::uint32_t>(ids[i]);
        for (std::size_t b = 0; b < 4; ++b)
            bytes[4 * i + b] = static_cast<std::byte>((v >> (8 * b)) & 0xffu);
    }
    return sha256Hex(bytes);
}

Corpus::Corpus(std::string path, std::string sha256, std::string text, std::vector<std::int32_t> tokens)
    : m_path(std::move(path)), m_sha256(std::move(sha256)), m_text(std::move(text)), m_tokens(std::move(tokens))
{
}

Corpus Corpus::fromFile(const std::filesystem::path& path, const Tokenizer& tokenizer)
{
    std::string text = readFile(path, "calibration text");
    if (text.empty())
        throw Error(path.string() + ": the calibration text is empty");
    return fromText(std::move(text), tokenizer, path.string());
}

Corpus Corpus::fromText(std::string text, const Tokenizer& tokenizer, std::string name)
{
    std::vector<std::int32_t> tokens = tokenizer.encode(text);
    std::string sha = sha256Hex(text);
    return Corpus(std::move(name), std::move(sha), std::move(text), std::move(tokens));
}

Corpus Corpus::fromTokens(std::vector<std::int32_t> tokens, std::string name)
{
    std::string sha = tokenIdsSha256(tokens);
    return Corpus(std::move(name), std::move(sha), {}, std::move(tokens));
}

CorpusWindows Corpus::sample(std::int64_t samples, std::int64_t seqlen, std::uint64_t seed) const
{
    if (samples <= 0 || seqlen <= 0)
        throw Error("calibration needs a positive number of windows and tokens per window (got " + count(samples) +
                    " x " + count(seqlen) + ")");
    const std::int64_t total = tokenCount();
    if (total < seqlen)
        throw Error(m_path + ": " + count(total) + " tokens, fewer than one window of " + count(seqlen));
    CorpusWindows w;
    w.seqlen = seqlen;
    w.seed = seed;
    std::mt19937_64 rng(seed);
    const std::int64_t chunks = total / seqlen;
    if (chunks >= samples) {
        // Partial Fisher-Yates: the first `samples` entries become a uniform random subset of the chunks.
        std::vector<std::int64_t> order(static_cast<std::size_t>(chunks));
        std::iota(order.begin(), order.end(), 0);
        for (std::int64_t i = 0; i < samples; ++i) {
            const auto j = i + static_cast<std::int64_t>(uniformBelow(rng, static_cast<std::uint64_t>(chunks - i)));
            std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
        }
        w.offsets.reserve(static_cast<std::size_t>(samples));
        for (std::int64_t i = 0; i < samples; ++i)
            w.offsets.push_back(order[static_cast<std::size_t>(i)] * seqlen);
    } else {
        const auto starts = static_cast<std::uint64_t>(total - seqlen + 1);
        for (std::int64_t i = 0; i < samples; ++i)
            w.offsets.push_back(static_cast<std::int64_t>(uniformBelow(rng, starts)));
        w.overlapping = true;
        w.warnings.push_back(m_path + " has " + count(total) + " tokens, fewer than " + count(samples) + " x " +
                             count(seqlen) + " = " + count(samples * seqlen) +
                             ": windows start at random offsets and overlap, so some tokens count more than once");
    }
    std::sort(w.offsets.begin(), w.offsets.end());
    return w;
}

std::span<const std::int32_t> Corpus::window(const CorpusWindows& windows, std::int64_t index) const
{
    const std::int64_t start = windows.offsets.at(static_cast<std::size_t>(index));
    if (start < 0 || start + windows.seqlen > tokenCount())
        throw Error("calibration window " + count(index) + " [" + count(start) + ", +" + count(windows.seqlen) +
                    ") lies outside the " + count(tokenCount()) + " tokens of " + m_path);
    return std::span<const std::int32_t>(m_tokens).subspan(static_cast<std::size_t>(start),
                                                           static_cast<std::size_t>(windows.seqlen));
}

std::vector<std::int32_t> Corpus::gather(const CorpusWindows& windows) const
{
    std::vector<std::int32_t> ids;
    ids.reserve(static_cast<std::size_t>(windows.tokens()));
    for (std::int64_t i = 0; i < windows.count(); ++i) {
        const auto w = window(windows, i);
        ids.insert(ids.end(), w.begin(), w.end());
    }
    return ids;
}

} // namespace flatslice::core
