// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobs/measurejob.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "model/checkpoint.h"
#include "text/checkpointtokenizer.h"
#include "text/tokenizer.h"
#include "util/elapsed.h"
#include "util/error.h"
#include "util/filereader.h"
#include "util/sha256.h"

namespace flatslice::core {

namespace {

std::string fixed(double value, int digits)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

} // namespace

MeasureJobResult runMeasureJob(const MeasureJobOptions& options, const Progress& progress, const JobLog& log)
{
    const std::string name = options.label.empty() ? options.modelPath : options.label;
    const auto say = [&log, &name](const std::string& line) {
        if (log)
            log(name + ": " + line);
    };
    if (!options.evalPath.empty() && (options.perplexity.seqlen < 2 || options.perplexity.maxTokens < 0))
        throw Error("perplexity: the window length must be at least 2 and the token limit non-negative");
    if (options.throughput && (options.speed.seqlen < 1 || options.speed.decodeTokens < 1))
        throw Error("speed: the prompt length and the decode tokens must be positive");
    if (!options.prompt.empty() && options.maxNewTokens < 1)
        throw Error("generation: the number of new tokens must be positive");

    MeasureJobResult out;
    const auto loadStart = std::chrono::steady_clock::now();
    const auto checkpoint = Checkpoint::open(options.modelPath);
    out.summary = ModelSummary::of(*checkpoint);
    const auto model = Transformer::load(*checkpoint, options.runtime, progress.stage("load"));
    out.loadSeconds = secondsSince(loadStart);
    out.dtype = model->dtype();
    out.threads = model->threads();
    const bool needsTokenizer = !options.evalPath.empty() || !options.prompt.empty();
    const std::optional<Tokenizer> tokenizer = needsTokenizer ? std::optional<Tokenizer>(tokenizerFor(*checkpoint))
                                                              : std::nullopt;

    if (!options.evalPath.empty()) {
        say("perplexity on " + options.evalPath);
        const std::string text = readFile(options.evalPath, "evaluation text");
        out.evalSha256 = sha256Hex(text);
        const auto tokenizeStart = std::chrono::steady_clock::now();
        const std::vector<std::int32_t> tokens = tokenizer->encode(text);
        out.tokenizeSeconds = secondsSince(tokenizeStart);
        out.evalTokensInFile = static_cast<std::int64_t>(tokens.size());
        out.perplexity = evaluatePerplexity(*model, tokens, options.perplexity, progress.stage("evaluate"));
        say("perplexity " + fixed(out.perplexity->perplexity, 4) + " over " + std::to_string(out.perplexity->tokens) +
            " tokens");
    }
    if (options.throughput) {
        out.throughput = measureThroughput(*model, {}, options.speed, progress.stage("speed"));
        say("prefill " + fixed(out.throughput->prefillTokensPerSecond, 1) + " tok/s, decode " +
            fixed(out.throughput->decodeTokensPerSecond, 1) + " tok/s");
    }
    if (!options.prompt.empty()) {
        progress.step(0, options.maxNewTokens, "generate");
        const std::vector<std::int32_t> ids = tokenizer->encode(options.prompt);
        std::vector<std::int64_t> stops = model->config().eosTokenIds;
        if (tokenizer->eosId())
            stops.push_back(*tokenizer->eosId());
        std::vector<std::int32_t> generated;
        std::string shown;
        bool stopped = false;
        model->generateGreedy(ids, options.maxNewTokens, stops, [&](std::int32_t id) {
            generated.push_back(id);
            // Decode the whole continuation each time: a token can end in the middle of a UTF-8 character.
            const std::string text = tokenizer->decode(generated, true);
            if (text.size() > shown.size() && text.compare(0, shown.size(), shown) == 0)
                shown = text;
            if (options.onText && !options.onText(shown))
                stopped = true;
            progress.step(static_cast<std::int64_t>(generated.size()), options.maxNewTokens, "generate");
            return !stopped;
        });
        out.continuation = tokenizer->decode(generated, true);
    }
    return out;
}

} // namespace flatslice::core
