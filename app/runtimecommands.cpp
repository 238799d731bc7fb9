// SPDX-License-Identifier: GPL-3.0-or-later
// eval, generate, bench: commands that load the model and run it.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "arguments.h"
#include "commands.h"
#include "jobs/measurejob.h"
#include "progressbar.h"
#include "util/error.h"

namespace flatslice::app {

namespace {

const char* kEvalHelp = R"(usage: flatslice eval MODEL --data FILE [--seqlen N] [--max-tokens N] [--dtype f32|bf16]
                      [--threads N] [--json]

Perplexity of MODEL on a text file, with the protocol SliceGPT and FlattenGPT report: the whole file is
tokenized once and cut into non-overlapping windows of --seqlen tokens (default 2048, capped at the model's
context); every token of a window but the first is predicted. --max-tokens uses only the first N tokens.
)";

const char* kGenerateHelp =
    R"(usage: flatslice generate MODEL --prompt TEXT [--max-new N] [--dtype f32|bf16] [--threads N]

Greedy continuation of TEXT (default 64 new tokens), streamed to stdout as it is produced.
)";

const char* kBenchHelp =
    R"(usage: flatslice bench MODEL [--seqlen N] [--tokens N] [--dtype f32|bf16] [--threads N] [--json]

Prefill tokens/s (one forward pass over --seqlen tokens, default 512, best of 3) and decode tokens/s
(--tokens greedy steps with the KV cache, default 64).
)";

core::RuntimeOptions runtimeOptions(const Arguments& args)
{
    core::RuntimeOptions options;
    options.dtype = parseDtype(args.valueOr("--dtype", "f32"));
    options.threads = static_cast<int>(args.intOr("--threads", 0));
    if (options.threads < 0)
        throw UsageError("--threads must be positive");
    return options;
}

} // namespace

int evalCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kEvalHelp;
        return 0;
    }
    const Arguments args(raw, {"--json"}, {"--data", "--seqlen", "--max-tokens", "--dtype", "--threads"});
    args.expectPositionals(1, "one MODEL path");
    const auto data = args.value("--data");
    if (!data)
        throw UsageError("eval needs --data FILE");
    core::MeasureJobOptions job;
    job.modelPath = args.positionals()[0];
    job.runtime = runtimeOptions(args);
    job.evalPath = *data;
    job.perplexity.seqlen = args.intOr("--seqlen", 2048);
    job.perplexity.maxTokens = args.intOr("--max-tokens", 0);
    if (job.perplexity.seqlen < 2 || job.perplexity.maxTokens < 0)
        throw UsageError("--seqlen must be at least 2 and --max-tokens non-negative");

    ProgressBar bar("eval");
    const core::MeasureJobResult measured = core::runMeasureJob(job, bar.progress());
    bar.finish();
    const core::PerplexityResult& r = *measured.perplexity;
    const std::string dtype(core::dtypeName(measured.dtype));
    const std::string& sha = measured.evalSha256;
    if (args.has("--json")) {
        nlohmann::ordered_json j = {
            {"model", args.positionals()[0]},
            {"perplexity", r.perplexity},
            {"mean_nll", r.meanNll},
            {"tokens", r.tokens},
            {"predicted", r.predicted},
            {"windows", r.windows},
            {"seconds", r.seconds},
            {"tokens_per_second", r.tokensPerSecond},
            {"protocol",
             {{"data", *data},
              {"data_sha256", sha},
              {"tokens_in_file", measured.evalTokensInFile},
              {"seqlen", r.seqlen},
              {"max_tokens", job.perplexity.maxTokens},
              {"dtype", dtype},
              {"threads", measured.threads}}},
            {"load_seconds", measured.loadSeconds},
            {"tokenize_seconds", measured.tokenizeSeconds},
        };
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("perplexity  %.4f\n", r.perplexity);
        std::printf("tokens      %lld in %lld windows of %lld (%lld predicted)\n", static_cast<long long>(r.tokens),
                    static_cast<long long>(r.windows), static_cast<long long>(r.seqlen),
                    static_cast<long long>(r.predicted));
        std::printf("time        %.1f s, %.0f tokens/s (load %.1f s, tokenize %.1f s)\n", r.seconds, r.tokensPerSecond,
                    measured.loadSeconds, measured.tokenizeSeconds);
        std::printf("protocol    %s (sha256 %s, %lld tokens), seqlen %lld, dtype %s, %d threads\n", data->c_str(),
                    sha.substr(0, 16).c_str(), static_cast<long long>(measured.evalTokensInFile),
                    static_cast<long long>(r.seqlen), dtype.c_str(), measured.threads);
    }
    return 0;
}

int generateCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kGenerateHelp;
        return 0;
    }
    const Arguments args(raw, {}, {"--prompt", "--max-new", "--dtype", "--threads"});
    args.expectPositionals(1, "one MODEL path");
    const auto prompt = args.value("--prompt");
    if (!prompt)
        throw UsageError("generate needs --prompt TEXT");
    core::MeasureJobOptions job;
    job.modelPath = args.positionals()[0];
    job.runtime = runtimeOptions(args);
    job.prompt = *prompt;
    job.maxNewTokens = args.intOr("--max-new", 64);
    if (job.maxNewTokens < 1)
        throw UsageError("--max-new must be positive");
    std::size_t shown = 0;
    job.onText = [&shown](const std::string& continuation) {
        std::cout << continuation.substr(shown) << std::flush;
        shown = continuation.size();
        return !ProgressBar::interrupted();
    };
    ProgressBar bar("load");
    const core::Progress loading = bar.progress();
    bool streaming = false;
    const core::Progress progress([&](std::int64_t done, std::int64_t total, std::string_view message) {
        if (message != "generate") {
            loading.step(done, total, message); // throws Cancelled after Ctrl-C
            return true;
        }
        if (!streaming) {
            // From here text streams to stdout; a bar redrawn on the terminal would cut into it.
            streaming = true;
            bar.finish();
            std::cout << *prompt << std::flush;
        }
        return !ProgressBar::interrupted();
    });
    try {
        core::runMeasureJob(job, progress);
    } catch (const core::Cancelled&) {
        std::cout << "\n";
        throw;
    }
    std::cout << "\n";
    if (ProgressBar::interrupted())
        throw core::Cancelled();
    return 0;
}

int benchCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kBenchHelp;
        return 0;
    }
    const Arguments args(raw, {"--json"}, {"--seqlen", "--tokens", "--dtype", "--threads"});
    args.expectPositionals(1, "one MODEL path");
    core::MeasureJobOptions job;
    job.modelPath = args.positionals()[0];
    job.runtime = runtimeOptions(args);
    job.throughput = true;
    job.speed.seqlen = args.intOr("--seqlen", 512);
    job.speed.decodeTokens = args.intOr("--tokens", 64);
    if (job.speed.seqlen < 1 || job.speed.decodeTokens < 1)
        throw UsageError("--seqlen and --tokens must be positive");
    ProgressBar bar("bench");
    const core::MeasureJobResult measured = core::runMeasureJob(job, bar.progress());
    bar.finish();
    const core::ThroughputResult& r = *measured.throughput;
    const std::string dtype(core::dtypeName(measured.dtype));
    if (args.has("--json")) {
        nlohmann::ordered_json j = {{"model", args.positionals()[0]},
                                    {"prefill_tokens_per_s", r.prefillTokensPerSecond},
                                    {"prefill_seconds", r.prefillSeconds},
                                    {"decode_tokens_per_s", r.decodeTokensPerSecond},
                                    {"seqlen", r.seqlen},
                                    {"decode_tokens", r.decodeTokens},
                                    {"dtype", dtype},
                                    {"threads", r.threads}};
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("prefill  %8.1f tokens/s  (%lld tokens in %.3f s, best of 3)\n", r.prefillTokensPerSecond,
                    static_cast<long long>(r.seqlen), r.prefillSeconds);
        std::printf("decode   %8.1f tokens/s  (%lld tokens after a %lld-token prompt)\n", r.decodeTokensPerSecond,
                    static_cast<long long>(r.decodeTokens), static_cast<long long>(r.seqlen));
        std::printf("dtype %s, %d threads\n", dtype.c_str(), r.threads);
    }
    return 0;
}

} // namespace flatslice::app
