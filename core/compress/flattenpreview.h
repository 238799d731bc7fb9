// SPDX-License-Identifier: GPL-3.0-or-later
// What FlattenGPT would keep when it merges a group of adjacent blocks, previewed from a session's scores alone
// (no model, no torch; microseconds), for the workbench's Importance view. The Flattener (flattener.h) makes the
// real decision on calibration activations at compression time; this preview reads the same criteria from the
// AnalysisResult:
//
//  - Heads, exact in rule: the merged block has the group's KV groups side by side (block-major: KV group g of the
//    group's b-th block is wide group b x G + g, G = numKvHeads), each scored by the sum of its query heads' scores
//    (headsPerGroup = numHeads / numKvHeads consecutive query heads per KV head), and keeps the top G groups, shown
//    in original order. The session's head scores were measured in the dense model, where the flattener measures
//    them in the wide block on the group's input; for the first block of the group the two coincide.
//  - MLP channels, approximate: the flattener ranks the wide MLP's channels by ridge leverage of ONE joint C_psi
//    (behind the pruned attention); a session holds each block's own leverage scores (its own C and lambda). The
//    preview pools those per-block scores and keeps the top intermediateSize, which shows how the budget splits
//    between the blocks and which channels carry the most energy, not the exact kept set.
//
// Ties go to the lower wide index. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/analysisresult.h"
#include "compress/plan.h"

namespace flatslice::core {

struct FlattenPreview {
    std::vector<std::int64_t> blocks;               // the original blocks of the group, ascending
    std::int64_t headsPerGroup = 0;                 // query heads per KV head
    std::vector<double> groupScores;                // per wide KV group, block-major
    std::vector<std::int64_t> keptKvGroups;         // wide KV-group indices kept, ascending (numKvHeads of them)
    std::vector<std::int64_t> keptGroupsPerBlock;   // how many of each block's KV groups stay
    std::vector<double> channelScores;              // per wide MLP channel, block-major (empty: the session has none)
    std::vector<std::int64_t> keptChannels;         // wide channel indices kept, ascending (intermediateSize of them)
    std::vector<std::int64_t> keptChannelsPerBlock; // how many of each block's channels stay
};

// The preview for `blocks` (>= 2 consecutive original blocks) scored with `score`. Throws Error when the group is
// malformed or out of range, or a block's head scores do not have numHeads entries. A session without channel
// scores (or with the wrong count) gives empty channel fields rather than an error.
FlattenPreview previewFlatten(const AnalysisResult& analysis, const std::vector<std::int64_t>& blocks,
                              HeadScore score = HeadScore::FlattenGpt);

} // namespace flatslice::core
