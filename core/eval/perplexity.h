// SPDX-License-Identifier: GPL-3.0-or-later
// Perplexity over a token stream, with the protocol SliceGPT and FlattenGPT report.
//
// The whole text is tokenized once by the caller; it is cut into non-overlapping windows of `seqlen` tokens
// (the remainder that does not fill a window is dropped), and each window predicts every token but its first.
// perplexity = exp(sum of NLL / number of predicted tokens). Progress is reported per window; cancelling
// throws Cancelled between windows.
#pragma once

#include <cstdint>
#include <span>

#include "model/transformer.h"
#include "util/progress.h"

namespace flatslice::core {

struct PerplexityOptions {
    std::int64_t seqlen = 2048; // capped at the model's context length
    std::int64_t maxTokens = 0; // 0: all tokens; else only the first maxTokens
};

struct PerplexityResult {
    double perplexity = 0.0;
    double meanNll = 0.0;
    std::int64_t tokens = 0;    // tokens used (windows x seqlen)
    std::int64_t predicted = 0; // tokens whose NLL counts
    std::int64_t windows = 0;
    std::int64_t seqlen = 0; // after capping
    double seconds = 0.0;
    double tokensPerSecond = 0.0;
};

PerplexityResult evaluatePerplexity(const Transformer& model, std::span<const std::int32_t> tokens,
                                    const PerplexityOptions& options, const Progress& progress = Progress::none());

} // namespace flatslice::core
