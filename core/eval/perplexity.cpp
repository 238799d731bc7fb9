// SPDX-License-Identifier: GPL-3.0-or-later
#include "eval/perplexity.h"

#include <chrono>
#include <cmath>

#include "util/error.h"

namespace flatslice::core {

PerplexityResult evaluatePerplexity(const Transformer& model, std::span<const std::int32_t> tokens,
                                    const PerplexityOptions& options, const Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    PerplexityResult r;
    r.seqlen = std::min(options.seqlen, model.config().maxPositionEmbeddings);
    if (r.seqlen < 2)
        throw Error("--seqlen must be at least 2");
    std::size_t usable = tokens.size();
    if (options.maxTokens > 0)
        usable = std::min(usable, static_cast<std::size_t>(options.maxTokens));
    r.windows = static_cast<std::int64_t>(usable) / r.seqlen;
    if (r.windows == 0)
        throw Error("the text has " + std::to_string(usable) + " tokens, fewer than one window of " +
                    std::to_string(r.seqlen));
    double nll = 0.0;
    for (std::int64_t w = 0; w < r.windows; ++w) {
        progress.step(w, r.windows, "window " + std::to_string(w + 1) + " of " + std::to_string(r.windows));
        const NllResult window = model.windowNll(
            tokens.subspan(static_cast<std::size_t>(w * r.seqlen), static_cast<std::size_t>(r.seqlen)));
        nll += window.nll;
        r.predicted += window.tokens;
    }
    progress.step(r.windows, r.windows, "done");
    r.tokens = r.windows * r.seqlen;
    r.meanNll = nll / static_cast<double>(r.predicted);
    r.perplexity = std::exp(r.meanNll);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.tokensPerSecond = static_cast<double>(r.tokens) / r.seconds;
    return r;
}

} // namespace flatslice::core
