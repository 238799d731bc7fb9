// SPDX-License-Identifier: GPL-3.0-or-later
#include "eval/throughput.h"

#include <c10/core/InferenceMode.h>
#include <chrono>
#include <limits>

#include "model/transformerimpl.h"
#include "util/elapsed.h"
#include "util/error.h"

namespace flatslice::core {

ThroughputResult measureThroughput(const Transformer& model, std::span<const std::int32_t> tokens,
                                   const ThroughputOptions& options, const Progress& progress)
{
    ThroughputResult r;
    r.seqlen = std::min(options.seqlen, model.config().maxPositionEmbeddings - options.decodeTokens - 1);
    r.decodeTokens = options.decodeTokens;
    r.threads = model.threads();
    if (r.seqlen < 1)
        throw Error("--seqlen leaves no room for decoding within the model's context");
    std::vector<std::int64_t> ids(static_cast<std::size_t>(r.seqlen));
    std::uint64_t state = 0x9e3779b97f4a7c15ull; // fixed LCG: reproducible ids when no text is given
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i < tokens.size()) {
            ids[i] = tokens[i];
        } else {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            ids[i] = static_cast<std::int64_t>((state >> 33) % static_cast<std::uint64_t>(model.config().vocabSize));
        }
    }
    c10::InferenceMode guard;
    const TransformerImpl& impl = model.impl();
    const torch::Tensor input = torch::tensor(ids, torch::kInt64).unsqueeze(0);
    const int total = options.repeats + 2;
    progress.step(0, total, "warm-up");
    impl.forward(input, {});
    r.prefillSeconds = std::numeric_limits<double>::infinity();
    for (int i = 0; i < options.repeats; ++i) {
        progress.step(i + 1, total, "prefill " + std::to_string(r.seqlen) + " tokens");
        const auto start = std::chrono::steady_clock::now();
        impl.forward(input, {});
        r.prefillSeconds = std::min(r.prefillSeconds, secondsSince(start));
    }
    r.prefillTokensPerSecond = static_cast<double>(r.seqlen) / r.prefillSeconds;

    progress.step(total - 1, total, "decode " + std::to_string(r.decodeTokens) + " tokens");
    KvCache cache;
    torch::Tensor logits = impl.forward(input, {}, nullptr, &cache);
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < r.decodeTokens; ++i) {
        const torch::Tensor next = logits.select(1, -1).argmax(-1, true); // [1, 1]
        logits = impl.forward(next, {}, nullptr, &cache);
    }
    r.decodeSeconds = secondsSince(start);
    r.decodeTokensPerSecond = static_cast<double>(r.decodeTokens) / r.decodeSeconds;
    progress.step(total, total, "done");
    return r;
}

} // namespace flatslice::core
