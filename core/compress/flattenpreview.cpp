// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/flattenpreview.h"

#include <algorithm>
#include <numeric>

#include "util/error.h"

namespace flatslice::core {

namespace {

// Indices of the `keep` largest values, ties to the lower index, returned ascending.
std::vector<std::int64_t> topAscending(const std::vector<double>& values, std::int64_t keep)
{
    std::vector<std::int64_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return values[static_cast<std::size_t>(a)] > values[static_cast<std::size_t>(b)];
    });
    order.resize(static_cast<std::size_t>(std::min<std::int64_t>(keep, static_cast<std::int64_t>(order.size()))));
    std::sort(order.begin(), order.end());
    return order;
}

std::vector<std::int64_t> countPerBlock(const std::vector<std::int64_t>& kept, std::int64_t perBlock,
                                        std::size_t blocks)
{
    std::vector<std::int64_t> counts(blocks, 0);
    for (const std::int64_t index : kept)
        ++counts[static_cast<std::size_t>(index / perBlock)];
    return counts;
}

} // namespace

FlattenPreview previewFlatten(const AnalysisResult& analysis, const std::vector<std::int64_t>& blocks, HeadScore score)
{
    const ModelConfig& config = analysis.config;
    const auto numBlocks = static_cast<std::int64_t>(analysis.blocks.size());
    if (blocks.size() < 2)
        throw Error("flatten preview: a group needs at least two blocks");
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (blocks[i] < 0 || blocks[i] >= numBlocks)
            throw Error("flatten preview: block " + std::to_string(blocks[i]) + " out of range (the session has " +
                        std::to_string(numBlocks) + " blocks)");
        if (i > 0 && blocks[i] != blocks[i - 1] + 1)
            throw Error("flatten preview: blocks must be consecutive");
    }
    if (config.numHeads <= 0 || config.numKvHeads <= 0 || config.numHeads % config.numKvHeads != 0)
        throw Error("flatten preview: the session's config has no valid head counts");

    FlattenPreview p;
    p.blocks = blocks;
    p.headsPerGroup = config.numHeads / config.numKvHeads;
    for (const std::int64_t b : blocks) {
        const BlockAnalysis& block = analysis.blocks[static_cast<std::size_t>(b)];
        const std::vector<double>& heads = score == HeadScore::FlattenGpt ? block.headScore : block.headContribution;
        if (static_cast<std::int64_t>(heads.size()) != config.numHeads)
            throw Error("flatten preview: block " + std::to_string(b) + " has " + std::to_string(heads.size()) +
                        " head scores, expected " + std::to_string(config.numHeads));
        for (std::int64_t g = 0; g < config.numKvHeads; ++g)
            p.groupScores.push_back(
                std::accumulate(heads.begin() + g * p.headsPerGroup, heads.begin() + (g + 1) * p.headsPerGroup, 0.0));
    }
    p.keptKvGroups = topAscending(p.groupScores, config.numKvHeads);
    p.keptGroupsPerBlock = countPerBlock(p.keptKvGroups, config.numKvHeads, blocks.size());

    const bool haveChannels = config.intermediateSize > 0 &&
                              std::all_of(blocks.begin(), blocks.end(), [&](std::int64_t b) {
                                  return static_cast<std::int64_t>(
                                             analysis.blocks[static_cast<std::size_t>(b)].channelScore.size()) ==
                                         config.intermediateSize;
                              });
    if (haveChannels) {
        for (const std::int64_t b : blocks) {
            const auto& channels = analysis.blocks[static_cast<std::size_t>(b)].channelScore;
            p.channelScores.insert(p.channelScores.end(), channels.begin(), channels.end());
        }
        p.keptChannels = topAscending(p.channelScores, config.intermediateSize);
        p.keptChannelsPerBlock = countPerBlock(p.keptChannels, config.intermediateSize, blocks.size());
    }
    return p;
}

} // namespace flatslice::core
