// eval, generate, bench: commands that load the model and run it.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "eval/perplexity.h"
#include "eval/throughput.h"
#include "io/checkpoint.h"
#include "model/transformer.h"
#include "progressbar.h"
#include "text/checkpointtokenizer.h"
#include "util/error.h"
#include "util/sha256.h"

namespace flatslice::app {

namespace {

const char* kEvalHelp = R"(usage: flatslice eval MODEL --data FILE [--seqlen N] [--max-tokens N] [--dtype f32|bf16]
                      [--threads N] [--json]

Perplexity of MODEL on a text file, with the protocol SliceGPT and FlattenGPT report: the whole file is
tokenized once and cut into non-overlapping windows of --seqlen tokens (default 2048, capped at the model's
context); every token of a window but the first is predicted. --max-tokens uses only the first N tokens.
)";

const char* kGenerateHelp = R"(usage: flatslice generate MODEL --prompt TEXT [--max-new N] [--dtype f32|bf16] [--threads N]

Greedy continuation of TEXT (default 64 new tokens), streamed to stdout as it is produced.
)";

const char* kBenchHelp = R"(usage: flatslice bench MODEL [--seqlen N] [--tokens N] [--dtype f32|bf16] [--threads N] [--json]

Prefill tokens/s (one forward pass over --seqlen tokens, default 512, best of 3) and decode tokens/s
(--tokens greedy steps with the KV cache, default 64).
)";

struct LoadedModel {
    std::unique_ptr<core::Checkpoint> checkpoint;
    std::unique_ptr<core::Transformer> model;
    double seconds = 0.0;
};

LoadedModel loadModel(const Arguments& args, const std::string& path)
{
    core::RuntimeOptions options;
    options.dtype = parseDtype(args.valueOr("--dtype", "f32"));
    options.threads = static_cast<int>(args.intOr("--threads", 0));
    if (options.threads < 0)
        throw UsageError("--threads must be positive");
    const auto start = std::chrono::steady_clock::now();
    LoadedModel loaded;
    loaded.checkpoint = core::Checkpoint::open(path);
    ProgressBar bar("load");
    loaded.model = core::Transformer::load(*loaded.checkpoint, options, bar.progress());
    bar.finish();
    loaded.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return loaded;
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
    core::PerplexityOptions options;
    options.seqlen = args.intOr("--seqlen", 2048);
    options.maxTokens = args.intOr("--max-tokens", 0);
    if (options.seqlen < 2 || options.maxTokens < 0)
        throw UsageError("--seqlen must be at least 2 and --max-tokens non-negative");

    LoadedModel loaded = loadModel(args, args.positionals()[0]);
    const core::Tokenizer tokenizer = core::tokenizerFor(*loaded.checkpoint);
    const std::string text = readTextFile(*data);
    const auto tokenizeStart = std::chrono::steady_clock::now();
    const std::vector<std::int32_t> tokens = tokenizer.encode(text);
    const double tokenizeSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - tokenizeStart).count();
    ProgressBar bar("eval");
    const core::PerplexityResult r = core::evaluatePerplexity(*loaded.model, tokens, options, bar.progress());
    bar.finish();
    const std::string dtype(core::dtypeName(loaded.model->dtype()));
    const std::string sha = core::sha256Hex(text);
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
              {"tokens_in_file", tokens.size()},
              {"seqlen", r.seqlen},
              {"max_tokens", options.maxTokens},
              {"dtype", dtype},
              {"threads", loaded.model->threads()}}},
            {"load_seconds", loaded.seconds},
            {"tokenize_seconds", tokenizeSeconds},
        };
        std::cout << j.dump(2) << "\n";
    } else {
        std::printf("perplexity  %.4f\n", r.perplexity);
        std::printf("tokens      %lld in %lld windows of %lld (%lld predicted)\n", static_cast<long long>(r.tokens),
                    static_cast<long long>(r.windows), static_cast<long long>(r.seqlen),
                    static_cast<long long>(r.predicted));
        std::printf("time        %.1f s, %.0f tokens/s (load %.1f s, tokenize %.1f s)\n", r.seconds, r.tokensPerSecond,
                    loaded.seconds, tokenizeSeconds);
        std::printf("protocol    %s (sha256 %s, %zu tokens), seqlen %lld, dtype %s, %d threads\n", data->c_str(),
                    sha.substr(0, 16).c_str(), tokens.size(), static_cast<long long>(r.seqlen), dtype.c_str(),
                    loaded.model->threads());
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
    const std::int64_t maxNew = args.intOr("--max-new", 64);
    LoadedModel loaded = loadModel(args, args.positionals()[0]);
    const core::Tokenizer tokenizer = core::tokenizerFor(*loaded.checkpoint);
    const std::vector<std::int32_t> ids = tokenizer.encode(*prompt);
    std::vector<std::int64_t> stops = loaded.model->config().eosTokenIds;
    if (tokenizer.eosId())
        stops.push_back(*tokenizer.eosId());
    std::cout << *prompt << std::flush;
    std::vector<std::int32_t> generated;
    std::string shown;
    loaded.model->generateGreedy(ids, maxNew, stops, [&](std::int32_t id) {
        generated.push_back(id);
        // Decode the whole continuation each time: a token can end in the middle of a UTF-8 character.
        const std::string text = tokenizer.decode(generated, true);
        if (text.size() > shown.size() && text.compare(0, shown.size(), shown) == 0) {
            std::cout << text.substr(shown.size()) << std::flush;
            shown = text;
        }
        return !ProgressBar::interrupted();
    });
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
    core::ThroughputOptions options;
    options.seqlen = args.intOr("--seqlen", 512);
    options.decodeTokens = args.intOr("--tokens", 64);
    if (options.seqlen < 1 || options.decodeTokens < 1)
        throw UsageError("--seqlen and --tokens must be positive");
    LoadedModel loaded = loadModel(args, args.positionals()[0]);
    ProgressBar bar("bench");
    const core::ThroughputResult r = core::measureThroughput(*loaded.model, {}, options, bar.progress());
    bar.finish();
    const std::string dtype(core::dtypeName(loaded.model->dtype()));
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
