// SPDX-License-Identifier: GPL-3.0-or-later
// Rankings the CLI and the workbench print from an AnalysisResult (plain data, no model run).
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/analysisresult.h"

namespace flatslice::core {

struct AdjacentPair {
    std::int64_t first = 0;  // blocks (first, first + 1)
    double similarity = 0.0; // FlattenGPT's pair criterion: cos(depth first, depth first + 1), mean over tokens
};

// Every adjacent pair (L - 1 of them), most redundant (highest similarity) first; ties keep block order.
std::vector<AdjacentPair> rankAdjacentPairs(const AnalysisResult& result);

// Indices of the k heads of `scores` with the largest values, largest first (fewer if there are fewer heads).
std::vector<std::int64_t> topIndices(const std::vector<double>& scores, std::int64_t k);

} // namespace flatslice::core
