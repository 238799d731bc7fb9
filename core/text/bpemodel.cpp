// SPDX-License-Identifier: GPL-3.0-or-later
#include "text/bpemodel.h"

#include <array>
#include <cstdio>
#include <mutex>
#include <queue>

#include "text/utf8.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

constexpr std::size_t kCacheShards = 16;
constexpr std::size_t kCacheEntriesPerShard = 8192;
constexpr std::size_t kMaxCachedWordBytes = 256; // as `tokenizers` (MAX_LENGTH)

std::uint64_t pairKey(std::int32_t a, std::int32_t b)
{
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}

} // namespace

struct BpeModel::Cache {
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, std::vector<std::int32_t>, StringHash, std::equal_to<>> map;
    };
    std::array<Shard, kCacheShards> shards;
};

BpeModel::BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, Options options,
                   const std::string& context)
    : m_vocab(std::move(vocab)), m_options(std::move(options)), m_cache(std::make_unique<Cache>())
{
    const std::size_t prefixLength = m_options.continuingSubwordPrefix ? m_options.continuingSubwordPrefix->size() : 0;
    m_merges.reserve(merges.size());
    std::string merged;
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const auto describe = [&] {
            return context + ": merge #" + std::to_string(rank + 1) + " '" + a + " " + b + "'";
        };
        const auto aId = tokenToId(a), bId = tokenToId(b);
        if (!aId)
            throw Error(describe() + ": token '" + a + "' is not in the vocabulary");
        if (!bId)
            throw Error(describe() + ": token '" + b + "' is not in the vocabulary");
        if (b.size() < prefixLength)
            throw Error(describe() + ": token '" + b + "' is shorter than the continuing-subword prefix");
        merged.assign(a);
        merged.append(b, prefixLength, std::string::npos);
        const auto newId = tokenToId(merged);
        if (!newId)
            throw Error(describe() + ": the merged token '" + merged + "' is not in the vocabulary");
        // A repeated pair keeps the later rank, as the HashMap `tokenizers` collects into.
        m_merges[pairKey(*aId, *bId)] = {static_cast<std::uint32_t>(rank), *newId};
    }
    if (m_options.unkToken) {
        m_unkId = tokenToId(*m_options.unkToken);
        // `tokenizers` fails only when the unknown token is needed; a tokenizer that never meets one still works.
    }
    m_haveAllByteIds = true;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        const auto id = tokenToId(name);
        m_byteIds[b] = id.value_or(-1);
        m_haveAllByteIds = m_haveAllByteIds && id.has_value();
    }
}

BpeModel::~BpeModel() = default;
BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;

std::optional<std::int32_t> BpeModel::tokenToId(std::string_view token) const
{
    const auto it = m_vocab.find(token);
    if (it == m_vocab.end())
        return std::nullopt;
    return it->second;
}

void BpeModel::tokenize(std::string_view word, std::vector<std::int32_t>& out) const
{
    if (word.empty())
        return;
    if (m_options.ignoreMerges)
        if (const auto id = tokenToId(word)) {
            out.push_back(*id);
            return;
        }
    const bool cacheable = word.size() < kMaxCachedWordBytes;
    Cache::Shard& shard = m_cache->shards[StringHash{}(word) % kCacheShards];
    if (cacheable) {
        std::lock_guard lock(shard.mutex);
        if (const auto it = shard.map.find(word); it != shard.map.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const std::size_t first = out.size();
    mergeWord(word, out);
    if (cacheable) {
        std::lock_guard lock(shard.mutex);
        if (shard.map.size() < kCacheEntriesPerShard)
            shard.map.emplace(std::string(word),
                              std::vector<std::int32_t>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
    }
}

void BpeModel::mergeWord(std::string_view word, std::vector<std::int32_t>& out) const
{
    struct Symbol {
        std::int32_t id;
        std::int32_t prev, next;
        bool removed;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    const auto add = [&](std::int32_t id) {
        const auto index = static_cast<std::int32_t>(symbols.size());
        if (!symbols.empty())
            symbols.back().next = index;
        symbols.push_back({id, index - 1, -1, false});
    };

    // `BPE::merge_word`: one symbol per character (with prefix/suffix), byte fallback, then unknown handling.
    std::int32_t pendingUnk = -1; // an optional trips GCC's maybe-uninitialized
    std::string scratch;
    for (std::size_t pos = 0; pos < word.size();) {
        const std::size_t length = utf8::charLength(static_cast<unsigned char>(word[pos]));
        const bool isFirst = pos == 0, isLast = pos + length >= word.size();
        std::string_view piece = word.substr(pos, length);
        pos += length;
        if ((!isFirst && m_options.continuingSubwordPrefix) || (isLast && m_options.endOfWordSuffix)) {
            scratch.clear();
            if (!isFirst && m_options.continuingSubwordPrefix)
                scratch += *m_options.continuingSubwordPrefix;
            scratch += piece;
            if (isLast && m_options.endOfWordSuffix)
                scratch += *m_options.endOfWordSuffix;
            piece = scratch;
        }
        if (const auto id = tokenToId(piece)) {
            if (pendingUnk >= 0) {
                add(pendingUnk);
                pendingUnk = -1;
            }
            add(*id);
            continue;
        }
        if (m_options.byteFallback) {
            bool all = true;
            for (const char c : piece)
                all = all && m_byteIds[static_cast<unsigned char>(c)] >= 0;
            if (all) {
                // As `tokenizers`: a pending unknown token is not flushed before byte tokens.
                for (const char c : piece)
                    add(m_byteIds[static_cast<unsigned char>(c)]);
                continue;
            }
        }
        if (m_options.unkToken) {
            if (!m_unkId)
                throw Error("the unknown token '" + *m_options.unkToken + "' is not in the vocabulary");
            if (pendingUnk >= 0 && !m_options.fuseUnk)
                add(pendingUnk);
            pendingUnk = *m_unkId;
        }
    }
    if (pendingUnk >= 0)
        add(pendingUnk);

    // `Word::merge_all`: lowest rank first, leftmost on ties; stale queue entries are skipped.
    struct Merge {
        std::uint32_t rank;
        std::int32_t pos;
        std::int32_t newId;
        bool operator<(const Merge& other) const // priority_queue pops the largest: invert
        {
            return rank != other.rank ? rank > other.rank : pos > other.pos;
        }
    };
    std::priority_queue<Merge> queue;
    const auto findMerge = [&](std::int32_t a, std::int32_t b) -> const std::pair<std::uint32_t, std::int32_t>* {
        const auto it = m_merges.find(pairKey(a, b));
        return it == m_merges.end() ? nullptr : &it->second;
    };
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
        if (const auto* m = findMerge(symbols[i].id, symbols[i + 1].id))
            queue.push({m->first, static_cast<std::int32_t>(i), m->second});
    while (!queue.empty()) {
        const Merge top = queue.top();
        queue.pop();
        Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
        if (left.removed || left.next < 0)
            continue;
        const Symbol right = symbols[static_cast<std::size_t>(left.next)];
        const auto* current = findMerge(left.id, right.id);
        if (!current || current->second != top.newId)
            continue;
        left.id = top.newId;
        symbols[static_cast<std::size_t>(left.next)].removed = true;
        left.next = right.next;
        if (right.next >= 0)
            symbols[static_cast<std::size_t>(right.next)].prev = top.pos;
        if (left.prev >= 0)
            if (const auto* m = findMerge(symbols[static_cast<std::size_t>(left.prev)].id, left.id))
                queue.push({m->first, left.prev, m->second});
        if (left.next >= 0)
            if (const auto* m = findMerge(left.id, symbols[static_cast<std::size_t>(left.next)].id))
                queue.push({m->first, top.pos, m->second});
    }
    for (const Symbol& s : symbols)
        if (!s.removed)
            out.push_back(s.id);
}

} // namespace flatslice::core
