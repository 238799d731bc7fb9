// SPDX-License-Identifier: GPL-3.0-or-later
// The added tokens of a tokenizer (special and not) and how they are cut out of raw text; internal to core/text.
//
// Mirrors `AddedVocabulary` of Hugging Face `tokenizers`: tokens are found leftmost-longest (their Aho-Corasick
// `LeftmostLongest`), with `single_word`, `lstrip` and `rstrip` applied to each match. Tokens with
// `normalized: false` are matched in the raw text, the others in the normalized text, each with its own matcher.
// Thread-safety: built once, then `split` is const and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flatslice::core {

struct AddedToken {
    std::int32_t id = 0;
    std::string content;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = false;
    bool special = false;
};

class AddedVocabulary {
public:
    // A run of text, or one added token (id set).
    struct Piece {
        std::size_t begin = 0, end = 0; // byte range in the text given to split()
        std::optional<std::int32_t> id;
    };

    // `normalizedForm` gives, for a token with `normalized: true`, the string to look for in normalized text.
    void add(const AddedToken& token, const std::string& normalizedForm);

    const std::vector<AddedToken>& tokens() const { return m_tokens; }
    bool empty() const { return m_tokens.empty(); }
    bool hasNormalized() const { return !m_normalizedTrie.nodes.empty(); }

    // Cuts `text` into pieces covering it, in order; the `normalized` flag picks the matcher.
    std::vector<Piece> split(std::string_view text, bool normalized) const;

private:
    // A byte trie: leftmost-longest matching walks it from each start position.
    struct Trie {
        struct Node {
            std::vector<std::pair<unsigned char, std::uint32_t>> children; // sorted by byte
            std::int32_t token = -1;                                       // index into m_tokens
        };
        std::vector<Node> nodes;
        bool firstByte[256] = {};
        void insert(std::string_view key, std::int32_t token);
        // Longest token starting at `pos`: (token index, length), or token -1.
        std::pair<std::int32_t, std::size_t> longestAt(std::string_view text, std::size_t pos) const;
    };

    std::vector<AddedToken> m_tokens;
    Trie m_rawTrie;
    Trie m_normalizedTrie;
};

} // namespace flatslice::core
