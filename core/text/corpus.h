// SPDX-License-Identifier: GPL-3.0-or-later
// Calibration text: a file tokenized once, and fixed-length windows of it drawn with a seed.
//
// `Corpus::fromFile` reads the whole file and tokenizes it in one piece, exactly as `flatslice eval` and
// transformers' `tokenizer(text)` do (special tokens the tokenizer adds, e.g. Llama's BOS, come first), and keeps
// the text (for the calibration/evaluation overlap check), the token stream, the file's sha256 and token count.
//
// Sampling (`sample(n, seqlen, seed)`), reproducible on every platform for a given token stream:
//   - The stream is cut into floor(tokens / seqlen) disjoint windows at offsets 0, seqlen, 2*seqlen, ...
//     (what SliceGPT's calibration loader does: chunk, then take a random subset). When there are at least n of
//     them, n distinct ones are chosen by a partial Fisher-Yates shuffle driven by std::mt19937_64(seed); no token
//     is counted twice.
//   - When there are fewer, windows start at uniformly random offsets in [0, tokens - seqlen] (the GPTQ-style
//     loader FlattenGPT and SLEB use), so they overlap; a warning says so.
//   std::mt19937_64's output sequence is fixed by the C++ standard; bounded integers are drawn from it by our own
//   rejection sampling (std::uniform_int_distribution is implementation-defined), so offsets are the same with
//   every compiler. The chosen offsets are returned in ascending order.
// Thread-safety: immutable after construction; const members are safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace flatslice::core {

class Tokenizer;

// N windows of `seqlen` tokens drawn from a Corpus.
struct CorpusWindows {
    std::int64_t seqlen = 0;
    std::uint64_t seed = 0;
    std::vector<std::int64_t> offsets; // first token of each window in the corpus token stream, ascending
    bool overlapping = false;          // true when the file was too short for disjoint windows
    std::vector<std::string> warnings;

    std::int64_t count() const { return static_cast<std::int64_t>(offsets.size()); }
    std::int64_t tokens() const { return count() * seqlen; }
};

class Corpus {
public:
    // Reads and tokenizes `path`; throws Error naming the file if it cannot be read or is empty.
    static Corpus fromFile(const std::filesystem::path& path, const Tokenizer& tokenizer);
    // A corpus over text already in memory (`name` is recorded as its path).
    static Corpus fromText(std::string text, const Tokenizer& tokenizer, std::string name);
    // A corpus over a token stream with no text (tests, synthetic data); sha256 is that of the ids as
    // little-endian int32.
    static Corpus fromTokens(std::vector<std::int32_t> tokens, std::string name);

    const std::string& path() const { return m_path; }
    const std::string& sha256() const { return m_sha256; } // of the file's bytes
    const std::string& text() const { return m_text; }     // empty for fromTokens
    const std::vector<std::int32_t>& tokens() const { return m_tokens; }
    std::int64_t tokenCount() const { return static_cast<std::int64_t>(m_tokens.size()); }

    // `samples` windows of `seqlen` tokens (see the header comment). Throws Error when samples or seqlen is not
    // positive or the corpus holds fewer than `seqlen` tokens.
    CorpusWindows sample(std::int64_t samples, std::int64_t seqlen, std::uint64_t seed) const;

    // The tokens of window `index` of `windows` (a view into this corpus).
    std::span<const std::int32_t> window(const CorpusWindows& windows, std::int64_t index) const;
    // All windows' tokens, [count, seqlen] row-major.
    std::vector<std::int32_t> gather(const CorpusWindows& windows) const;

private:
    Corpus(std::string path, std::string sha256, std::string text, std::vector<std::int32_t> tokens);

    std::string m_path;
    std::string m_sha256;
    std::string m_text;
    std::vector<std::int32_t> m_tokens;
};

// sha256 of token ids written as little-endian int32 (how the CLI and the reference script name a window set).
std::string tokenIdsSha256(std::span<const std::int32_t> ids);

} // namespace flatslice::core
