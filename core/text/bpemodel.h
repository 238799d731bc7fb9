// SPDX-License-Identifier: GPL-3.0-or-later
// The BPE model of Hugging Face `tokenizers` (models/bpe): vocabulary, ranked merges, unknown-token and byte
// fallback, `ignore_merges`, continuing-subword prefix and end-of-word suffix; internal to core/text.
//
// `tokenize` turns one pre-tokenized word into ids with the same lowest-rank-first, leftmost-on-ties merge order
// as `Word::merge_all`. Results for short words are cached.
// Thread-safety: built once, then `tokenize` is const and thread-safe (the cache is sharded under mutexes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace flatslice::core {

class BpeModel {
public:
    struct Options {
        std::optional<std::string> unkToken;
        std::optional<std::string> continuingSubwordPrefix;
        std::optional<std::string> endOfWordSuffix;
        bool fuseUnk = false;
        bool byteFallback = false;
        bool ignoreMerges = false;
    };

    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using Vocab = std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>;

    // Throws Error("<context>: merge #N 'a b': token 'x' is not in the vocabulary") and the like.
    BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, Options options,
             const std::string& context);
    ~BpeModel();
    BpeModel(BpeModel&&) noexcept;
    BpeModel& operator=(BpeModel&&) noexcept;

    const Vocab& vocab() const { return m_vocab; }
    std::optional<std::int32_t> tokenToId(std::string_view token) const;

    // Appends the ids of `word` (a non-empty pre-token) to `out`.
    void tokenize(std::string_view word, std::vector<std::int32_t>& out) const;

private:
    void mergeWord(std::string_view word, std::vector<std::int32_t>& out) const;

    struct Cache;
    Vocab m_vocab;
    // (left id << 32 | right id) -> (rank, merged id)
    std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::int32_t>> m_merges;
    Options m_options;
    std::optional<std::int32_t> m_unkId;
    std::int32_t m_byteIds[256];
    bool m_haveAllByteIds = false;
    std::unique_ptr<Cache> m_cache;
};

} // namespace flatslice::core
