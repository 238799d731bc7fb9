// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/analysissummary.h"

#include <algorithm>
#include <numeric>

namespace flatslice::core {

std::vector<AdjacentPair> rankAdjacentPairs(const AnalysisResult& result)
{
    std::vector<AdjacentPair> pairs;
    for (std::int64_t i = 0; i + 1 < static_cast<std::int64_t>(result.blocks.size()); ++i)
        pairs.push_back({i, result.pairSimilarity(i)});
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const AdjacentPair& a, const AdjacentPair& b) { return a.similarity > b.similarity; });
    return pairs;
}

std::vector<std::int64_t> topIndices(const std::vector<double>& scores, std::int64_t k)
{
    std::vector<std::int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)];
    });
    order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max<std::int64_t>(k, 0))));
    return order;
}

} // namespace flatslice::core
