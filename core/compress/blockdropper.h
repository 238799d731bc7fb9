// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): the ShortGPT baseline. Block Influence on calibration text, and removal of blocks.
//
// BI of block i = 1 - mean over tokens of cos(hidden entering i, hidden leaving i) (ShortGPT, Men et al. 2024).
// Dropping keeps the remaining blocks' tensors (shared, not copied) and sets config.numLayers. Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/transformerimpl.h"
#include "util/progress.h"

namespace flatslice::core {

class BlockDropper {
public:
    // Block Influence per block from calibration windows (any lengths). Progress per window; Cancelled.
    static std::vector<double> blockInfluence(const TransformerImpl& model,
                                              const std::vector<std::vector<std::int32_t>>& windows,
                                              const Progress& progress = Progress::none());
    // The `count` blocks with the lowest influence, ascending (ties to the lower index).
    static std::vector<std::int64_t> lowestInfluence(const std::vector<double>& influence, std::int64_t count);
    // `model` without `blocks` (original indices; distinct, in range, at least one block left, else Error).
    static std::unique_ptr<TransformerImpl> drop(const TransformerImpl& model, const std::vector<std::int64_t>& blocks);
};

} // namespace flatslice::core
