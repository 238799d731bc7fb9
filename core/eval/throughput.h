// SPDX-License-Identifier: GPL-3.0-or-later
// Prefill and decode speed of a loaded model, measured the way users feel it.
//
// Prefill: one forward pass over `seqlen` tokens (batch 1, logits for every position, as transformers'
// `model(input_ids)`), best of `repeats` after one warm-up. Decode: greedy steps with the KV cache after a
// `seqlen`-token prompt; tokens/s over `decodeTokens` steps. Token ids are real text when given, else a
// fixed pseudo-random sequence (speed does not depend on the ids).
#pragma once

#include <cstdint>
#include <span>

#include "model/transformer.h"
#include "util/progress.h"

namespace flatslice::core {

struct ThroughputOptions {
    std::int64_t seqlen = 512;
    std::int64_t decodeTokens = 64;
    int repeats = 3;
};

struct ThroughputResult {
    double prefillSeconds = 0.0; // best
    double prefillTokensPerSecond = 0.0;
    double decodeSeconds = 0.0;
    double decodeTokensPerSecond = 0.0;
    std::int64_t seqlen = 0;
    std::int64_t decodeTokens = 0;
    int threads = 0;
};

ThroughputResult measureThroughput(const Transformer& model, std::span<const std::int32_t> tokens,
                                   const ThroughputOptions& options, const Progress& progress = Progress::none());

} // namespace flatslice::core
