// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/plansuggestion.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "compress/estimator.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

struct Unit {
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::int64_t size() const { return last - first + 1; }
};

std::int64_t protectedFirst(const SuggestOptions& o)
{
    return std::max<std::int64_t>(o.protectFirst ? 1 : 0, o.protectFirstBlocks);
}

std::int64_t protectedLast(const SuggestOptions& o)
{
    return std::max<std::int64_t>(o.protectLast ? 1 : 0, o.protectLastBlocks);
}

bool isProtected(std::int64_t block, std::int64_t layers, const SuggestOptions& o)
{
    return block < protectedFirst(o) || block >= layers - protectedLast(o);
}

// Blocks the caller fixed (flattened or dropped as given): not available to the suggestions.
std::set<std::int64_t> fixedBlocks(const SuggestOptions& o)
{
    std::set<std::int64_t> fixed(o.fixedDrop.begin(), o.fixedDrop.end());
    for (const auto& group : o.fixedFlatten)
        fixed.insert(group.begin(), group.end());
    return fixed;
}

// Mean cosine between the inputs of blocks i and k (depths i and k).
double similarity(const AnalysisResult& a, std::int64_t i, std::int64_t k)
{
    if (k == i + 1)
        return a.pairSimilarity(i);
    const std::int64_t depths = a.depths();
    if (static_cast<std::int64_t>(a.anyToAny.size()) != depths * depths)
        throw Error("suggest plan: merging groups of more than 2 blocks needs the analysis's any-to-any similarity "
                    "matrix, which this analysis does not have");
    return a.anyToAny[static_cast<std::size_t>(i * depths + k)];
}

// The fewest blocks whose removal takes away at least `ratio` of the parameters (as the Estimator counts them).
std::int64_t blocksForRatio(const ModelConfig& config, double ratio, std::int64_t available, const char* field)
{
    if (!std::isfinite(ratio) || ratio < 0.0 || ratio >= 1.0)
        throw Error(std::string("suggest plan: ") + field + " = " + std::to_string(ratio) + ": must be in [0, 1)");
    for (std::int64_t k = 0; k <= available; ++k) {
        Plan plan;
        for (std::int64_t b = 0; b < k; ++b)
            plan.drop.push_back(b); // which blocks does not matter: every layer has the same parameters
        if (estimate(config, plan).removedRatio >= ratio - 1e-12)
            return k;
    }
    throw Error(std::string("suggest plan: ") + field + " = " + std::to_string(ratio) +
                ": out of reach (removing all " + std::to_string(available) + " eligible blocks is not enough)");
}

std::vector<std::vector<std::int64_t>> greedyFlatten(const AnalysisResult& a, std::int64_t merges,
                                                     const SuggestOptions& o)
{
    const std::int64_t layers = static_cast<std::int64_t>(a.blocks.size());
    const std::set<std::int64_t> fixed = fixedBlocks(o);
    const auto unavailable = [&](std::int64_t b) { return isProtected(b, layers, o) || fixed.count(b) > 0; };
    std::vector<Unit> units;
    for (std::int64_t b = 0; b < layers; ++b)
        units.push_back({b, b});

    for (std::int64_t m = 0; m < merges; ++m) {
        std::int64_t best = -1;
        double bestScore = 0.0;
        for (std::size_t j = 0; j + 1 < units.size(); ++j) {
            const Unit& u = units[j];
            const Unit& v = units[j + 1];
            // Units only ever hold available blocks, so checking their ends is enough.
            if (u.size() + v.size() > o.maxGroupSize || unavailable(u.first) || unavailable(v.last))
                continue;
            const double score = similarity(a, u.first, v.last);
            if (best < 0 || score > bestScore) { // strict: ties keep the lower index
                best = static_cast<std::int64_t>(j);
                bestScore = score;
            }
        }
        if (best < 0)
            throw Error("suggest plan: cannot flatten " + std::to_string(merges) + " times: only " + std::to_string(m) +
                        " merges fit " + std::to_string(layers) + " blocks with groups of at most " +
                        std::to_string(o.maxGroupSize) +
                        (protectedFirst(o) + protectedLast(o) > 0 ? " and protected ends" : "") +
                        (fixed.empty() ? "" : " besides the blocks already chosen"));
        const auto j = static_cast<std::size_t>(best);
        units[j].last = units[j + 1].last;
        units.erase(units.begin() + static_cast<std::ptrdiff_t>(j + 1));
    }

    std::vector<std::vector<std::int64_t>> groups;
    for (const Unit& u : units) {
        if (u.size() < 2)
            continue;
        std::vector<std::int64_t> group(static_cast<std::size_t>(u.size()));
        std::iota(group.begin(), group.end(), u.first);
        groups.push_back(std::move(group));
    }
    return groups;
}

std::vector<std::int64_t> lowestInfluence(const AnalysisResult& a, std::int64_t count,
                                          const std::set<std::int64_t>& taken, const SuggestOptions& o)
{
    const std::int64_t layers = static_cast<std::int64_t>(a.blocks.size());
    std::vector<std::int64_t> eligible;
    for (std::int64_t b = 0; b < layers; ++b)
        if (!taken.count(b) && !isProtected(b, layers, o))
            eligible.push_back(b);
    if (count > static_cast<std::int64_t>(eligible.size()))
        throw Error("suggest plan: cannot drop " + std::to_string(count) + " blocks: only " +
                    std::to_string(eligible.size()) + " are neither flattened nor protected");
    std::stable_sort(eligible.begin(), eligible.end(), [&](std::int64_t x, std::int64_t y) {
        const auto influence = [&](std::int64_t b) { return a.blocks[static_cast<std::size_t>(b)].blockInfluence; };
        return influence(x) < influence(y);
    });
    eligible.resize(static_cast<std::size_t>(count));
    std::sort(eligible.begin(), eligible.end());
    return eligible;
}

} // namespace

Plan suggestPlan(const AnalysisResult& analysis, const SuggestOptions& options)
{
    const ModelConfig& config = analysis.config;
    const std::int64_t layers = static_cast<std::int64_t>(analysis.blocks.size());
    if (layers == 0)
        throw Error("suggest plan: the analysis has no blocks");
    if (layers != config.numLayers)
        throw Error("suggest plan: the analysis has " + std::to_string(layers) + " blocks but its model config " +
                    std::to_string(config.numLayers));
    if (options.flattenCount < 0 || options.dropCount < 0)
        throw Error("suggest plan: block counts must be >= 0");
    if (options.flattenCount > 0 && options.flattenRatio)
        throw Error("suggest plan: give a flatten count or a flatten ratio, not both");
    if (options.dropCount > 0 && options.dropRatio)
        throw Error("suggest plan: give a drop count or a drop ratio, not both");
    if (options.protectFirstBlocks < 0 || options.protectLastBlocks < 0)
        throw Error("suggest plan: protected block counts must be >= 0");
    if (options.maxGroupSize < 2)
        throw Error("suggest plan: maxGroupSize = " + std::to_string(options.maxGroupSize) + ": must be >= 2");

    const std::int64_t ends = std::min(layers, protectedFirst(options) + protectedLast(options));
    const auto fixed = static_cast<std::int64_t>(fixedBlocks(options).size());
    const std::int64_t available = std::max<std::int64_t>(0, layers - ends - fixed);
    std::int64_t fixedRemoved = static_cast<std::int64_t>(options.fixedDrop.size());
    for (const auto& group : options.fixedFlatten)
        fixedRemoved += static_cast<std::int64_t>(group.size()) - 1;
    const std::int64_t merges =
        options.flattenRatio
            ? std::max<std::int64_t>(0, blocksForRatio(config, *options.flattenRatio,
                                                       std::max<std::int64_t>(0, available - 1) + fixedRemoved,
                                                       "flattenRatio") -
                                            fixedRemoved)
            : options.flattenCount;

    Plan plan;
    plan.model = analysis.model;
    plan.protocol = analysis.protocol;
    plan.slice = options.slice;
    plan.options = options.options;
    plan.flatten = options.fixedFlatten;
    for (auto& group : greedyFlatten(analysis, merges, options))
        plan.flatten.push_back(std::move(group));

    std::set<std::int64_t> taken = fixedBlocks(options);
    for (const auto& group : plan.flatten)
        taken.insert(group.begin(), group.end());
    std::int64_t drops = options.dropCount;
    if (options.dropRatio) {
        const auto eligible = std::max<std::int64_t>(0, layers - ends - static_cast<std::int64_t>(taken.size()));
        drops = blocksForRatio(config, *options.dropRatio, std::min(eligible, layers - 1), "dropRatio");
    }
    plan.drop = options.fixedDrop;
    for (const std::int64_t b : lowestInfluence(analysis, drops, taken, options))
        plan.drop.push_back(b);

    plan.normalize();
    plan.validateAgainst(config, "suggested plan");
    return plan;
}

} // namespace flatslice::core
