// SPDX-License-Identifier: GPL-3.0-or-later
// Suggests a plan from an analysis: which blocks to flatten (FlattenGPT's greedy rule) and which to drop
// (ShortGPT's Block Influence). Pure, instant, thread-safe.
//
// Flatten, greedy (shared/research/flattengpt.md §1.5): start with every block as its own unit. Repeat once per merge:
// among adjacent units u, v that are not protected and whose combined size is <= maxGroupSize, merge the pair with the
// highest similarity S(first block of u, last block of v), the mean cosine between the inputs of those two blocks;
// ties go to the lower block index. For two single blocks (i, i + 1) that is AnalysisResult::pairSimilarity(i), so
// with the default maxGroupSize = 2 the rule is: take the adjacent pair with the most similar inputs, then the best
// pair among blocks not yet taken, and so on (non-overlapping pairs). Larger groups read S from
// AnalysisResult::anyToAny, which the paper's delete-row/column rule amounts to. S is never recomputed.
//
// Drop (ShortGPT): the N blocks with the lowest Block Influence (1 - cos(input, output)), ties to the lower index,
// among blocks that are neither flattened nor protected.
//
// Counts from ratios: each merge and each drop removes exactly one layer's parameters (a flattened group is pruned
// back to one standard layer), so a target ratio becomes the fewest blocks whose removal reaches it, with ratios
// measured as the Estimator does (removed over all parameters, embeddings and head included).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "analysis/analysisresult.h"
#include "compress/plan.h"

namespace flatslice::core {

struct SuggestOptions {
    std::int64_t flattenCount = 0;       // merges to make (= blocks removed by flattening)
    std::optional<double> flattenRatio;  // instead: the fewest merges removing at least this fraction of parameters
    std::int64_t dropCount = 0;          // blocks to drop (ShortGPT baseline)
    std::optional<double> dropRatio;     // instead: the fewest drops removing at least this fraction of parameters
    std::int64_t maxGroupSize = 2;       // 2: pairs only; more lets merged units merge again (needs anyToAny)
    bool protectFirst = false;           // never flatten or drop block 0
    bool protectLast = false;            // never flatten or drop the last block
    std::int64_t protectFirstBlocks = 0; // never flatten or drop blocks 0..N-1 (protectFirst is N = 1)
    std::int64_t protectLastBlocks = 0;  // never flatten or drop the last N blocks (protectLast is N = 1)
    // Chosen by the caller and kept as given: the greedy merges and the drops avoid their blocks, and the counts
    // above come on top of them. Their own validity (shapes, overlaps, ranges) is checked by the plan's validation.
    std::vector<std::vector<std::int64_t>> fixedFlatten;
    std::vector<std::int64_t> fixedDrop;
    std::optional<SlicePlan> slice; // copied into the plan as given
    PlanOptions options;            // copied into the plan
};

// The plan (model fingerprint and calibration protocol taken from `analysis`). Throws Error when the request
// cannot be met (more merges than unprotected adjacent blocks allow, a ratio out of reach, negative counts).
Plan suggestPlan(const AnalysisResult& analysis, const SuggestOptions& options);

} // namespace flatslice::core
