// SPDX-License-Identifier: GPL-3.0-or-later
// A small, internally consistent AnalysisResult built in memory for the view tests: 6 Llama blocks, hidden 64,
// 4 query heads in 2 KV groups, 24 MLP channels. Pair (2, 3) is the most similar (and block 2 has the lowest Block
// Influence); every value is a simple function of the indices, so tests can state exact expectations.
#pragma once

#include <QString>

#include <memory>

#include "analysis/analysisresult.h"

namespace flatslice::uitest {

// cos(depth i, depth j) = 1 - 0.04 |i - j| - 0.002 (i + j), except the cells of pair (2, 3) (0.99).
std::shared_ptr<const core::AnalysisResult> syntheticSession();

// The session file written by `flatslice analyze` on tests/data/tiny-llama (committed fixture), made with
//   head -c 20000 ../shared/data/wikitext-2/valid.txt > /tmp/calib.txt
//   flatslice analyze tests/data/tiny-llama/tiny-llama.gguf --calib /tmp/calib.txt --samples 4 --seqlen 64
//             -o tests/data/tiny-llama/tiny-llama.flatslice.h5
QString tinyLlamaSessionPath();

} // namespace flatslice::uitest
