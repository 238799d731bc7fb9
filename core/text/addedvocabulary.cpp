// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/addedvocabulary.h"

#include <algorithm>

#include "text/utf8.h"

namespace flatslice::core {

namespace {

// Rust regex `\w` (Unicode word characters) approximated by what matters next to a token: ASCII alphanumerics,
// '_' and any non-ASCII letter-like character. Only `single_word` tokens use this; no common tokenizer has them.
bool isWordChar(char32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
    return !utf8::isWhitespace(cp);
}

char32_t lastChar(std::string_view s)
{
    std::size_t pos = s.size();
    while (pos > 0 && (static_cast<unsigned char>(s[pos - 1]) & 0xC0) == 0x80)
        --pos;
    if (pos > 0)
        --pos;
    return utf8::next(s, pos);
}

} // namespace

void AddedVocabulary::Trie::insert(std::string_view key, std::int32_t token)
{
    if (nodes.empty())
        nodes.emplace_back();
    std::uint32_t node = 0;
    for (const char c : key) {
        const auto byte = static_cast<unsigned char>(c);
        auto& children = nodes[node].children;
        auto it = std::lower_bound(children.begin(), children.end(), byte,
                                   [](const auto& child, unsigned char b) { return child.first < b; });
        if (it == children.end() || it->first != byte) {
            const auto next = static_cast<std::uint32_t>(nodes.size());
            it = children.insert(it, {byte, next});
            nodes.emplace_back(); // invalidates `children`, not the index we keep
            node = next;
        } else {
            node = it->second;
        }
    }
    firstByte[static_cast<unsigned char>(key.front())] = true;
    // The same content twice: `tokenizers` keeps the last one added.
    nodes[node].token = token;
}

std::pair<std::int32_t, std::size_t> AddedVocabulary::Trie::longestAt(std::string_view text, std::size_t pos) const
{
    std::pair<std::int32_t, std::size_t> best{-1, 0};
    std::uint32_t node = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const auto& children = nodes[node].children;
        const auto it = std::lower_bound(children.begin(), children.end(), byte,
                                         [](const auto& child, unsigned char b) { return child.first < b; });
        if (it == children.end() || it->first != byte)
            break;
        node = it->second;
        if (nodes[node].token >= 0)
            best = {nodes[node].token, i + 1 - pos};
    }
    return best;
}

void AddedVocabulary::add(const AddedToken& token, const std::string& normalizedForm)
{
    if (token.content.empty())
        return; // `tokenizers` ignores empty added tokens
    const auto index = static_cast<std::int32_t>(m_tokens.size());
    m_tokens.push_back(token);
    if (token.normalized) {
        if (!normalizedForm.empty())
            m_normalizedTrie.insert(normalizedForm, index);
    } else {
        m_rawTrie.insert(token.content, index);
    }
}

std::vector<AddedVocabulary::Piece> AddedVocabulary::split(std::string_view text, bool normalized) const
{
    const Trie& trie = normalized ? m_normalizedTrie : m_rawTrie;
    std::vector<Piece> pieces;
    if (trie.nodes.empty() || text.empty()) {
        pieces.push_back({0, text.size(), std::nullopt});
        return pieces;
    }
    std::size_t startOffset = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!trie.firstByte[static_cast<unsigned char>(text[pos])]) {
            ++pos;
            continue;
        }
        const auto [tokenIndex, length] = trie.longestAt(text, pos);
        if (tokenIndex < 0) {
            ++pos;
            continue;
        }
        const AddedToken& token = m_tokens[static_cast<std::size_t>(tokenIndex)];
        std::size_t start = pos, stop = pos + length;
        // The Aho-Corasick iterator of `tokenizers` resumes after each match it reports, even one that
        // `single_word` then rejects; so do we.
        pos = stop;
        if (token.singleWord) {
            const bool startSpace = start == 0 || !isWordChar(lastChar(text.substr(0, start)));
            std::size_t after = stop;
            const bool stopSpace = stop == text.size() || !isWordChar(utf8::next(text, after));
            if (!startSpace || !stopSpace)
                continue;
        }
        if (token.lstrip) {
            std::size_t newStart = start;
            while (newStart > startOffset) {
                std::size_t charStart = newStart - 1;
                while (charStart > 0 && (static_cast<unsigned char>(text[charStart]) & 0xC0) == 0x80)
                    --charStart;
                std::size_t p = charStart;
                if (!utf8::isWhitespace(utf8::next(text, p)))
                    break;
                newStart = charStart;
            }
            start = newStart;
        }
        if (token.rstrip) {
            while (stop < text.size()) {
                std::size_t p = stop;
                if (!utf8::isWhitespace(utf8::next(text, p)))
                    break;
                stop = p;
            }
            pos = stop;
        }
        if (startOffset < start)
            pieces.push_back({startOffset, start, std::nullopt});
        pieces.push_back({start, stop, token.id});
        startOffset = stop;
    }
    if (startOffset != text.size())
        pieces.push_back({startOffset, text.size(), std::nullopt});
    return pieces;
}

} // namespace flatslice::core
