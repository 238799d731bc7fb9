// SPDX-License-Identifier: GPL-3.0-or-later
// analyze: calibration windows through the model, redundancy statistics, a session file and a summary.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/analysissummary.h"
#include "arguments.h"
#include "commands.h"
#include "jobs/analysisjob.h"
#include "progressbar.h"
#include "util/error.h"

namespace flatslice::app {

namespace {

const char* kAnalyzeHelp = R"(usage: flatslice analyze MODEL --calib FILE [-o SESSION.flatslice.h5] [--samples N]
                         [--seqlen L] [--seed S] [--batch B] [--eval FILE] [--dtype f32|bf16] [--threads N] [--json]

Streams --samples windows (default 128) of --seqlen tokens (default 512) of the calibration text through MODEL
and measures where it is redundant: per block the cosine between the residual stream entering and leaving it
(and ShortGPT's block influence 1 - cos), the cosine between every pair of depths, the eigenvalue spectra of the
residual entering each norm (SliceGPT's PCA signals, f64), and FlattenGPT's head and MLP-channel scores.
Prints a table per block and the adjacent pairs FlattenGPT would flatten first; --json prints the same and the
window offsets. -o writes everything to an HDF5 session (written whole or not at all).

Windows: the file is tokenized once and cut into disjoint windows of --seqlen tokens, of which --samples are
chosen at random with --seed (default 42); a file too short for that gets overlapping windows at random offsets
(with a warning). --batch windows go through the model together (default 1). --eval names the text you will
measure perplexity on, to warn if the calibration text shares passages with it. Calibrate and evaluate on
different text (e.g. ../shared/data/wikitext-2/valid.txt and ../shared/data/wikitext-2-raw/wiki.test.raw).
)";

std::uint64_t parseSeed(const Arguments& args)
{
    const auto text = args.value("--seed");
    if (!text)
        return 42;
    try {
        std::size_t used = 0;
        const unsigned long long v = std::stoull(*text, &used);
        if (used != text->size() || text->front() == '-')
            throw std::invalid_argument(*text);
        return v;
    } catch (const std::exception&) {
        throw UsageError("--seed expects a non-negative integer, got '" + *text + "'");
    }
}

std::string headsText(const core::BlockAnalysis& b)
{
    std::string out;
    for (const std::int64_t h : core::topIndices(b.headScore, 3)) {
        char cell[48];
        std::snprintf(cell, sizeof cell, "%3lld (%.3g)  ", static_cast<long long>(h),
                      b.headScore[static_cast<std::size_t>(h)]);
        out += cell;
    }
    return out;
}

double trace(const core::Spectrum& s)
{
    double sum = 0.0;
    for (const double v : s.eigenvalues)
        sum += v;
    return sum;
}

nlohmann::ordered_json toJson(const core::AnalysisJobResult& job, std::int64_t batch, const std::string& session)
{
    const core::AnalysisResult& r = job.analysis;
    using nlohmann::ordered_json;
    ordered_json files = ordered_json::array();
    for (std::size_t i = 0; i < r.model.files.size(); ++i)
        files.push_back({{"name", r.model.files[i]}, {"sha256", r.model.fileSha256[i]}});
    ordered_json blocks = ordered_json::array();
    for (std::size_t i = 0; i < r.blocks.size(); ++i) {
        const core::BlockAnalysis& b = r.blocks[i];
        ordered_json top = ordered_json::array();
        for (const std::int64_t h : core::topIndices(b.headScore, 3))
            top.push_back({{"head", h}, {"score", b.headScore[static_cast<std::size_t>(h)]}});
        ordered_json block = {{"block", i},
                              {"cos_in_out", b.cosInOut},
                              {"block_influence", b.blockInfluence},
                              {"attn_dim90", b.attnInput.dim90},
                              {"attn_dim95", b.attnInput.dim95},
                              {"attn_dim99", b.attnInput.dim99},
                              {"attn_input_trace", trace(b.attnInput)},
                              {"attn_top_eigenvalue",
                               b.attnInput.eigenvalues.empty() ? 0.0 : b.attnInput.eigenvalues[0]}};
        if (!b.mlpInput.eigenvalues.empty()) {
            block["mlp_dim90"] = b.mlpInput.dim90;
            block["mlp_dim95"] = b.mlpInput.dim95;
            block["mlp_dim99"] = b.mlpInput.dim99;
            block["mlp_input_trace"] = trace(b.mlpInput);
        }
        block["top_heads"] = top;
        block["head_score"] = b.headScore;
        block["channel_lambda"] = b.channelLambda;
        blocks.push_back(block);
    }
    ordered_json pairs = ordered_json::array();
    for (const core::AdjacentPair& p : core::rankAdjacentPairs(r))
        pairs.push_back({{"blocks", {p.first, p.first + 1}}, {"similarity", p.similarity}});
    const auto depths = static_cast<std::size_t>(r.depths());
    ordered_json matrix = ordered_json::array();
    for (std::size_t i = 0; i < depths; ++i)
        matrix.push_back(std::vector<double>(r.anyToAny.begin() + static_cast<std::ptrdiff_t>(i * depths),
                                             r.anyToAny.begin() + static_cast<std::ptrdiff_t>((i + 1) * depths)));
    return {
        {"model", {{"path", r.model.path}, {"format", r.model.format}, {"files", files}}},
        {"config",
         {{"architecture", r.config.architecture},
          {"blocks", r.config.numLayers},
          {"hidden_size", r.config.hiddenSize},
          {"heads", r.config.numHeads},
          {"kv_heads", r.config.numKvHeads},
          {"intermediate_size", r.config.intermediateSize}}},
        {"protocol",
         {{"corpus", r.protocol.corpusPath},
          {"corpus_sha256", r.protocol.corpusSha256},
          {"corpus_tokens", r.protocol.corpusTokens},
          {"samples", r.protocol.samples},
          {"seqlen", r.protocol.seqlen},
          {"seed", r.protocol.seed},
          {"dtype", r.protocol.dtype},
          {"flatslice_version", r.protocol.flatsliceVersion},
          {"threads", job.threads},
          {"batch", batch}}},
        {"windows",
         {{"overlapping", job.overlappingWindows},
          {"offsets", job.windowOffsets},
          {"ids_sha256", job.windowIdsSha256}}},
        {"blocks", blocks},
        {"pairs", pairs},
        {"any_to_any", matrix},
        {"warnings", r.warnings},
        {"seconds", r.seconds},
        {"load_seconds", job.loadSeconds},
        {"tokenize_seconds", job.tokenizeSeconds},
        {"session", session.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(session)},
    };
}

void printText(const core::AnalysisResult& r, int threads, const std::string& session)
{
    const core::ModelConfig& c = r.config;
    std::printf("model     %s (%s, %lld blocks, hidden %lld, %lld heads, %lld MLP channels)\n", r.model.path.c_str(),
                c.architecture.c_str(), static_cast<long long>(c.numLayers), static_cast<long long>(c.hiddenSize),
                static_cast<long long>(c.numHeads), static_cast<long long>(c.intermediateSize));
    std::printf("protocol  %s (sha256 %s, %lld tokens): %lld windows x %lld tokens, seed %llu, %s, %d threads\n",
                r.protocol.corpusPath.c_str(), r.protocol.corpusSha256.substr(0, 16).c_str(),
                static_cast<long long>(r.protocol.corpusTokens), static_cast<long long>(r.protocol.samples),
                static_cast<long long>(r.protocol.seqlen), static_cast<unsigned long long>(r.protocol.seed),
                r.protocol.dtype.c_str(), threads);
    std::printf("time      %.1f s\n\n", r.seconds);
    std::printf("block  cos(in,out)      BI  dim95 attn  dim95 mlp  top heads by FlattenGPT score\n");
    for (std::size_t i = 0; i < r.blocks.size(); ++i) {
        const core::BlockAnalysis& b = r.blocks[i];
        char mlp[16] = "-";
        if (!b.mlpInput.eigenvalues.empty())
            std::snprintf(mlp, sizeof mlp, "%lld", static_cast<long long>(b.mlpInput.dim95));
        std::printf("%5zu  %11.4f  %6.4f  %10lld  %9s  %s\n", i, b.cosInOut, b.blockInfluence,
                    static_cast<long long>(b.attnInput.dim95), mlp, headsText(b).c_str());
    }
    const auto pairs = core::rankAdjacentPairs(r);
    std::printf("\nmost redundant adjacent pairs (FlattenGPT: cosine between the two blocks' inputs)\n");
    for (std::size_t i = 0; i < std::min<std::size_t>(5, pairs.size()); ++i)
        std::printf("  %zu. blocks %lld+%lld  %.4f\n", i + 1, static_cast<long long>(pairs[i].first),
                    static_cast<long long>(pairs[i].first + 1), pairs[i].similarity);
    if (!r.warnings.empty()) {
        std::printf("\nwarnings\n");
        for (const auto& w : r.warnings)
            std::printf("  - %s\n", w.c_str());
    }
    if (!session.empty())
        std::printf("\nsession   %s\n", session.c_str());
}

} // namespace

int analyzeCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kAnalyzeHelp;
        return 0;
    }
    const Arguments args(raw, {"--json"},
                         {"--calib", "--samples", "--seqlen", "--seed", "--batch", "--eval", "--dtype", "--threads",
                          "-o", "--output"});
    args.expectPositionals(1, "one MODEL path");
    const auto calib = args.value("--calib");
    if (!calib)
        throw UsageError("analyze needs --calib FILE (calibration text)");
    core::AnalysisJobOptions job;
    job.modelPath = args.positionals()[0];
    job.calibrationPath = *calib;
    job.samples = args.intOr("--samples", 128);
    job.seqlen = args.intOr("--seqlen", 512);
    job.seed = parseSeed(args);
    job.batch = args.intOr("--batch", 1);
    job.evaluationPath = args.valueOr("--eval", "");
    if (job.samples < 1 || job.seqlen < 2 || job.batch < 1)
        throw UsageError("--samples and --batch must be positive and --seqlen at least 2");
    job.runtime.dtype = parseDtype(args.valueOr("--dtype", "f32"));
    job.runtime.threads = static_cast<int>(args.intOr("--threads", 0));
    if (job.runtime.threads < 0)
        throw UsageError("--threads must be positive");
    job.sessionPath = args.value("-o") ? *args.value("-o") : args.valueOr("--output", "");

    core::AnalysisJobResult result;
    {
        ProgressBar bar("analyze");
        result = core::runAnalysisJob(job, bar.progress());
    }
    if (ProgressBar::interrupted())
        throw core::Cancelled();
    if (args.has("--json"))
        std::cout << toJson(result, job.batch, job.sessionPath).dump(2) << "\n";
    else
        printText(result.analysis, result.threads, job.sessionPath);
    return 0;
}

} // namespace flatslice::app
