// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobs/compressionjob.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "export/ggufexporter.h"
#include "export/hfexporter.h"
#include "model/checkpoint.h"
#include "text/checkpointtokenizer.h"
#include "text/corpus.h"
#include "util/error.h"
#include "util/filereader.h"
#include "util/humanunits.h"
#include "util/sha256.h"

namespace flatslice::core {

namespace {

nlohmann::ordered_json reportJson(const CompressionReport& r)
{
    nlohmann::ordered_json groups = nlohmann::ordered_json::array();
    for (const auto& g : r.groups)
        groups.push_back({{"blocks", g.blocks},
                          {"kept_kv_groups", g.keptKvGroups},
                          {"head_scores", g.headScores},
                          {"lambda", g.lambda},
                          {"mlp_selection_error", g.selectionError},
                          {"mlp_compensated_error", g.compensatedError},
                          {"selected", g.selected},
                          {"candidate_errors", g.candidateErrors},
                          {"tokens", g.tokens}});
    nlohmann::ordered_json out = {{"layers_before", r.layersBefore},
                                  {"layers_after", r.layersAfter},
                                  {"parameters_before", r.parametersBefore},
                                  {"parameters_after", r.parametersAfter},
                                  {"calibration_tokens", r.calibrationTokens},
                                  {"groups", groups},
                                  {"dropped", r.dropped}};
    if (!r.sliceWidths.empty()) {
        nlohmann::ordered_json widths = nlohmann::ordered_json::array();
        for (const auto& d : r.sliceWidths)
            widths.push_back({{"attn", d.attn}, {"mlp", d.mlp}});
        out["slice_widths"] = widths;
        out["head_width"] = r.headWidth;
        out["kept_variance"] = r.keptVariance;
    }
    out["warnings"] = r.warnings;
    out["seconds"] = r.seconds;
    return out;
}

DType hfType(const std::string& name)
{
    if (name == "f32")
        return DType::F32;
    if (name == "bf16")
        return DType::BF16;
    throw Error("output type '" + name + "': a Hugging Face export is f32 or bf16");
}

} // namespace

CompressionJobResult runCompressionJob(const CompressionJobOptions& options, const Progress& progress,
                                       const std::function<void(const std::string&)>& log)
{
    const auto started = std::chrono::steady_clock::now();
    const auto say = [&log](const std::string& line) {
        if (log)
            log(line);
    };
    if (options.outputPath.empty())
        throw Error("compress: no output path");
    if (options.batch <= 0)
        throw Error("compress: batch must be positive");

    CompressionJobResult result;
    result.outputPath = options.outputPath;
    result.format = options.format;

    Plan plan = options.plan;
    const std::int64_t samples = options.samples > 0 ? options.samples : plan.protocol.samples;
    const std::int64_t seqlen = options.seqlen > 0 ? options.seqlen : plan.protocol.seqlen;
    const std::uint64_t seed = options.seed ? *options.seed : plan.protocol.seed;
    const bool needsCalibration = !plan.flatten.empty() || plan.slice.has_value();
    if (needsCalibration && options.calibrationPath.empty())
        throw Error(options.planSource + ": this plan flattens or slices blocks: it needs a calibration file");
    if (needsCalibration && (samples <= 0 || seqlen < 2))
        throw Error("compress: calibration needs at least one window of at least 2 tokens");
    // The output type is checked before any work is done.
    if (options.format == ExportFormat::HuggingFace)
        (void)hfType(options.outputType);
    else if (options.outputType != "f32" && options.outputType != "f16" && options.outputType != "bf16" &&
             options.outputType != "q8_0")
        throw Error("output type '" + options.outputType + "': a GGUF export is f32, f16, bf16 or q8_0");
    if (options.format == ExportFormat::Gguf && plan.slice)
        throw Error(options.planSource + ": a sliced model has per-layer widths and shortcut matrices that GGUF's "
                                         "llama architecture cannot describe: export it with --format hf");

    const auto checkpoint = Checkpoint::open(options.modelPath);
    plan.validateAgainst(checkpoint->config(), options.planSource);
    result.estimate = estimate(checkpoint->config(), plan, {}, options.planSource);
    say("model " + options.modelPath + " (" + checkpoint->config().architecture + ", " +
        std::to_string(checkpoint->config().numLayers) + " layers)");
    say("estimate: parameters " + millions(result.estimate.dense.params.total()) + " -> " +
        millions(result.estimate.compressed.params.total()) + ", layers " +
        std::to_string(result.estimate.dense.layers) + " -> " + std::to_string(result.estimate.compressed.layers));
    for (const auto& w : result.estimate.warnings) {
        say("warning: " + w);
        result.warnings.push_back(w);
    }

    const auto model = Transformer::load(*checkpoint, options.runtime, progress.stage("load"));
    const Tokenizer tokenizer = tokenizerFor(*checkpoint);

    std::vector<std::vector<std::int32_t>> windows;
    nlohmann::ordered_json calibration = nullptr;
    if (needsCalibration) {
        progress.step(0, 0, "calibrate: reading " + options.calibrationPath);
        const Corpus corpus = Corpus::fromFile(options.calibrationPath, tokenizer);
        const CorpusWindows drawn = corpus.sample(samples, seqlen, seed);
        for (const auto& w : drawn.warnings) {
            say("warning: " + w);
            result.warnings.push_back(w);
        }
        for (std::int64_t i = 0; i < drawn.count(); ++i) {
            const auto span = corpus.window(drawn, i);
            windows.emplace_back(span.begin(), span.end());
        }
        calibration = {{"corpus", corpus.path()},
                       {"corpus_sha256", corpus.sha256()},
                       {"corpus_tokens", corpus.tokenCount()},
                       {"samples", drawn.count()},
                       {"seqlen", seqlen},
                       {"seed", seed},
                       {"offsets", drawn.offsets}};
        say("calibration: " + std::to_string(drawn.count()) + " windows of " + std::to_string(seqlen) +
            " tokens from " + options.calibrationPath);
    }

    Compressor compressor(model->impl(), plan);
    result.report = compressor.run(windows, options.batch, progress.stage("compress"));
    for (const auto& g : result.report.groups) {
        char line[256];
        std::snprintf(line, sizeof line, "flattened blocks %lld-%lld: MLP error %.4f -> %.4f compensated (lambda %.3g)",
                      static_cast<long long>(g.blocks.front()), static_cast<long long>(g.blocks.back()),
                      g.selectionError, g.compensatedError, g.lambda);
        std::string candidates;
        for (const auto& [name, error] : g.candidateErrors) {
            char item[96];
            std::snprintf(item, sizeof item, "%s%s %.4f", candidates.empty() ? "" : ", ", name.c_str(), error);
            candidates += item;
        }
        say(line + std::string(", kept KV groups ") + nlohmann::json(g.keptKvGroups).dump() +
            (candidates.empty() ? "" : "; output error of candidates: " + candidates + " -> " + g.selected));
    }
    for (const auto& w : result.report.warnings) {
        say("warning: " + w);
        result.warnings.push_back(w);
    }
    say("compressed: " + std::to_string(result.report.layersBefore) + " -> " +
        std::to_string(result.report.layersAfter) + " layers, " + millions(result.report.parametersBefore) + " -> " +
        millions(result.report.parametersAfter) + " parameters");

    std::vector<std::int32_t> evalTokens;
    std::string evalSha;
    if (!options.evalPath.empty()) {
        const std::string text = readFile(options.evalPath);
        evalTokens = tokenizer.encode(text);
        evalSha = sha256Hex(text);
    }
    // Self-check prefix, real text whenever there is some: the first calibration window's first 128 tokens, else
    // the evaluation text's (or, for a drop-only plan given a calibration file, that file's) first 128 tokens; a
    // fixed id run only when the job has no text at all.
    std::vector<std::int32_t> selfCheck;
    const auto prefix = [&selfCheck](const std::vector<std::int32_t>& tokens) {
        selfCheck.assign(tokens.begin(), tokens.begin() + std::min<std::ptrdiff_t>(128, std::ssize(tokens)));
    };
    if (!windows.empty()) {
        prefix(windows[0]);
    } else if (evalTokens.size() >= 2) {
        prefix(evalTokens);
    } else if (!options.calibrationPath.empty()) {
        prefix(tokenizer.encode(readFile(options.calibrationPath).substr(0, 4096)));
    }
    if (selfCheck.size() < 2) {
        selfCheck.clear();
        for (std::int32_t i = 0; i < 64; ++i)
            selfCheck.push_back(static_cast<std::int32_t>((i * 7919) % model->config().vocabSize));
    }
    PerplexityOptions evalOptions;
    evalOptions.seqlen = options.evalSeqlen;
    evalOptions.maxTokens = options.evalMaxTokens;

    const Estimate& est = result.estimate;
    nlohmann::ordered_json meta = {
        {"source", {{"path", options.modelPath}, {"architecture", checkpoint->config().architecture}}},
        {"plan", nlohmann::ordered_json::parse(plan.toJson())},
        {"calibration", calibration},
        {"compression", reportJson(result.report)},
        {"estimate",
         {{"parameters_dense", est.dense.params.total()},
          {"parameters_compressed", est.compressed.params.total()},
          {"removed_ratio", est.removedRatio}}},
    };
    const std::string modelName = std::filesystem::path(options.outputPath).filename().string();

    // Both exporters take the same description, self-check and evaluation; only the weight type differs.
    auto describe = [&](auto& o) {
        o.overwrite = options.overwrite;
        o.tokenizerSource = options.modelPath;
        o.modelName = modelName;
        o.selfCheckTokens = selfCheck;
        o.evalTokens = std::move(evalTokens);
        o.evalOptions = evalOptions;
        o.evalName = options.evalPath;
        o.evalSha256 = evalSha;
        o.flatsliceJson = meta.dump();
    };
    auto collect = [&result](const auto& exported) {
        result.selfCheckInMemory = exported.selfCheckInMemory;
        result.selfCheckReloaded = exported.selfCheckReloaded;
        result.evaluation = exported.evaluation;
    };
    if (options.format == ExportFormat::HuggingFace) {
        HfExportOptions exportOptions;
        exportOptions.dtype = hfType(options.outputType);
        describe(exportOptions);
        collect(HfExporter(exportOptions).write(compressor.result(), options.outputPath, progress.stage("export")));
    } else {
        GgufExportOptions exportOptions;
        exportOptions.type = options.outputType;
        describe(exportOptions);
        collect(GgufExporter(exportOptions).write(compressor.result(), options.outputPath, progress.stage("export")));
    }
    char line[160];
    std::snprintf(line, sizeof line, "self-check: perplexity %.6f in memory, %.6f reloaded", result.selfCheckInMemory,
                  result.selfCheckReloaded);
    say(line);
    if (result.evaluation) {
        std::snprintf(line, sizeof line, "perplexity %.4f on %lld tokens", result.evaluation->perplexity,
                      static_cast<long long>(result.evaluation->tokens));
        say(line);
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    say("written " + options.outputPath);
    return result;
}

} // namespace flatslice::core
