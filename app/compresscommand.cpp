// compress: apply a plan (FlattenGPT groups, dropped blocks) to a model and export a Hugging Face directory.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "compress/compressor.h"
#include "compress/estimator.h"
#include "compress/plan.h"
#include "io/checkpoint.h"
#include "io/hfexporter.h"
#include "model/transformer.h"
#include "progressbar.h"
#include "text/checkpointtokenizer.h"
#include "text/corpus.h"
#include "util/error.h"
#include "util/sha256.h"

namespace flatslice::app {

namespace {

const char* kCompressHelp = R"(usage: flatslice compress MODEL --plan P.json [--calib FILE] -o OUT [--samples N] [--seqlen L] [--seed S]
                          [--batch B] [--eval FILE] [--eval-seqlen N] [--max-tokens N] [--out-dtype f32|bf16]
                          [--threads N] [--force]

Applies a plan to MODEL in one front-to-back pass and writes OUT as a Hugging Face directory that transformers
loads without remote code: flattened groups (FlattenGPT) become one standard layer each, pruned back to the
original head, KV-head and MLP widths on calibration activations; dropped blocks (ShortGPT) are removed.
Slicing is not implemented yet.

Calibration (needed when the plan flattens): --samples windows (default: the plan's, else 128) of --seqlen tokens
(default: the plan's, else 512) of --calib, drawn with --seed (default: the plan's, else 42).
--eval FILE measures the exported model's perplexity on the first --max-tokens tokens (default 16384) in windows
of --eval-seqlen (default 512). After writing, a self-check reloads OUT and compares it with the in-memory model.
--force replaces an existing OUT.
)";

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw core::Error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string millions(std::int64_t n)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f M", static_cast<double>(n) / 1e6);
    return text;
}

nlohmann::ordered_json reportJson(const core::CompressionReport& r)
{
    nlohmann::ordered_json groups = nlohmann::ordered_json::array();
    for (const auto& g : r.groups)
        groups.push_back({{"blocks", g.blocks},
                          {"kept_kv_groups", g.keptKvGroups},
                          {"head_scores", g.headScores},
                          {"lambda", g.lambda},
                          {"mlp_selection_error", g.selectionError},
                          {"mlp_compensated_error", g.compensatedError},
                          {"tokens", g.tokens}});
    return {{"layers_before", r.layersBefore}, {"layers_after", r.layersAfter},
            {"parameters_before", r.parametersBefore}, {"parameters_after", r.parametersAfter},
            {"calibration_tokens", r.calibrationTokens}, {"groups", groups}, {"dropped", r.dropped},
            {"warnings", r.warnings}, {"seconds", r.seconds}};
}

} // namespace

int compressCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kCompressHelp;
        return 0;
    }
    const Arguments args(raw, {"--force"},
                         {"--plan", "--calib", "-o", "--output", "--samples", "--seqlen", "--seed", "--batch", "--eval",
                          "--eval-seqlen", "--max-tokens", "--out-dtype", "--threads"});
    args.expectPositionals(1, "one MODEL path");
    const std::string modelPath = args.positionals()[0];
    const auto planPath = args.value("--plan");
    const auto out = args.value("-o") ? args.value("-o") : args.value("--output");
    if (!planPath || !out)
        throw UsageError("compress needs --plan P.json and -o OUT");
    core::Plan plan = core::Plan::fromJson(readFile(*planPath), *planPath);
    const std::int64_t samples = args.intOr("--samples", plan.protocol.samples);
    const std::int64_t seqlen = args.intOr("--seqlen", plan.protocol.seqlen);
    const std::int64_t seed = args.intOr("--seed", static_cast<long long>(plan.protocol.seed));
    const std::int64_t batch = args.intOr("--batch", 1);
    if (samples <= 0 || seqlen < 2 || seed < 0 || batch <= 0)
        throw UsageError("--samples and --batch must be positive, --seqlen at least 2, --seed non-negative");
    if (!plan.flatten.empty() && !args.value("--calib"))
        throw UsageError("this plan flattens blocks: compress needs --calib FILE");
    core::RuntimeOptions runtime;
    runtime.threads = static_cast<int>(args.intOr("--threads", 0));
    if (runtime.threads < 0)
        throw UsageError("--threads must be positive");

    const auto checkpoint = core::Checkpoint::open(modelPath);
    plan.validateAgainst(checkpoint->config(), *planPath);
    const core::Estimate estimate = core::estimate(checkpoint->config(), plan, {}, *planPath);
    std::printf("model       %s (%s, %lld layers)\n", modelPath.c_str(), checkpoint->config().architecture.c_str(),
                static_cast<long long>(checkpoint->config().numLayers));
    std::printf("parameters  %s -> %s (%.2f%% removed), %lld -> %lld layers (estimate)\n",
                millions(estimate.dense.params.total()).c_str(), millions(estimate.compressed.params.total()).c_str(),
                100.0 * estimate.removedRatio, static_cast<long long>(estimate.dense.layers),
                static_cast<long long>(estimate.compressed.layers));
    for (const auto& w : estimate.warnings)
        std::printf("warning     %s\n", w.c_str());
    std::fflush(stdout);

    ProgressBar loadBar("load");
    const auto model = core::Transformer::load(*checkpoint, runtime, loadBar.progress());
    loadBar.finish();
    const core::Tokenizer tokenizer = core::tokenizerFor(*checkpoint);

    std::vector<std::vector<std::int32_t>> windows;
    nlohmann::ordered_json calibration = nullptr;
    if (!plan.flatten.empty()) {
        const core::Corpus corpus = core::Corpus::fromFile(*args.value("--calib"), tokenizer);
        const core::CorpusWindows drawn = corpus.sample(samples, seqlen, static_cast<std::uint64_t>(seed));
        for (const auto& w : drawn.warnings)
            std::printf("warning     %s\n", w.c_str());
        for (std::int64_t i = 0; i < drawn.count(); ++i) {
            const auto span = corpus.window(drawn, i);
            windows.emplace_back(span.begin(), span.end());
        }
        calibration = {{"corpus", corpus.path()},     {"corpus_sha256", corpus.sha256()},
                       {"corpus_tokens", corpus.tokenCount()}, {"samples", drawn.count()},
                       {"seqlen", seqlen},            {"seed", seed},
                       {"offsets", drawn.offsets}};
    }

    ProgressBar bar("compress");
    core::Compressor compressor(model->impl(), plan);
    const core::CompressionReport report = compressor.run(windows, batch, bar.progress());
    bar.finish();
    for (const auto& g : report.groups)
        std::printf("flattened   blocks %lld-%lld: kept KV groups %s, MLP error %.4f -> %.4f compensated (lambda %.3g)\n",
                    static_cast<long long>(g.blocks.front()), static_cast<long long>(g.blocks.back()),
                    nlohmann::json(g.keptKvGroups).dump().c_str(), g.selectionError, g.compensatedError, g.lambda);
    for (const auto& w : report.warnings)
        std::printf("warning     %s\n", w.c_str());

    core::HfExportOptions exportOptions;
    exportOptions.dtype = parseDtype(args.valueOr("--out-dtype", "f32"));
    exportOptions.overwrite = args.has("--force");
    exportOptions.tokenizerSource = modelPath;
    exportOptions.modelName = std::filesystem::path(*out).filename().string();
    // Self-check prefix: the first calibration window's first 128 tokens, or a fixed id run.
    if (!windows.empty()) {
        exportOptions.selfCheckTokens.assign(windows[0].begin(),
                                             windows[0].begin() + std::min<std::ptrdiff_t>(128, std::ssize(windows[0])));
    } else {
        for (std::int32_t i = 0; i < 64; ++i)
            exportOptions.selfCheckTokens.push_back(static_cast<std::int32_t>((i * 7919) % model->config().vocabSize));
    }
    if (const auto eval = args.value("--eval")) {
        const std::string text = readFile(*eval);
        exportOptions.evalTokens = tokenizer.encode(text);
        exportOptions.evalOptions.seqlen = args.intOr("--eval-seqlen", 512);
        exportOptions.evalOptions.maxTokens = args.intOr("--max-tokens", 16384);
        exportOptions.evalName = *eval;
        exportOptions.evalSha256 = core::sha256Hex(text);
    }
    nlohmann::ordered_json meta = {
        {"source", {{"path", modelPath}, {"architecture", checkpoint->config().architecture}}},
        {"plan", nlohmann::ordered_json::parse(plan.toJson())},
        {"calibration", calibration},
        {"compression", reportJson(report)},
        {"estimate", {{"parameters_dense", estimate.dense.params.total()},
                      {"parameters_compressed", estimate.compressed.params.total()},
                      {"removed_ratio", estimate.removedRatio}}},
    };
    exportOptions.flatsliceJson = meta.dump();
    ProgressBar exportBar("export");
    const core::HfExportResult exported =
        core::HfExporter(exportOptions).write(compressor.result(), *out, exportBar.progress());
    exportBar.finish();
    std::printf("layers      %lld -> %lld\n", static_cast<long long>(report.layersBefore),
                static_cast<long long>(report.layersAfter));
    std::printf("parameters  %s -> %s (%lld -> %lld, counted)\n", millions(report.parametersBefore).c_str(),
                millions(report.parametersAfter).c_str(), static_cast<long long>(report.parametersBefore),
                static_cast<long long>(report.parametersAfter));
    std::printf("self-check  perplexity %.6f in memory, %.6f reloaded\n", exported.selfCheckInMemory,
                exported.selfCheckReloaded);
    if (exported.evaluation)
        std::printf("perplexity  %.4f on %s (%lld tokens, %lld windows of %lld)\n", exported.evaluation->perplexity,
                    exportOptions.evalName.c_str(), static_cast<long long>(exported.evaluation->tokens),
                    static_cast<long long>(exported.evaluation->windows),
                    static_cast<long long>(exported.evaluation->seqlen));
    std::printf("written     %s (%.1f s compress, %.1f s export)\n", out->c_str(), report.seconds, exported.seconds);
    return 0;
}

} // namespace flatslice::app
