// SPDX-License-Identifier: GPL-3.0-or-later
// compress: apply a plan (FlattenGPT groups, dropped blocks) to a model and export a Hugging Face directory.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "jobs/compressionjob.h"
#include "progressbar.h"
#include "util/error.h"
#include "util/filereader.h"
#include "util/humanunits.h"

namespace flatslice::app {

namespace {

const char* kCompressHelp =
    R"(usage: flatslice compress MODEL --plan P.json [--calib FILE] -o OUT [--samples N] [--seqlen L] [--seed S]
                          [--batch B] [--eval FILE] [--eval-seqlen N] [--max-tokens N] [--format hf|gguf]
                          [--out-type f32|bf16|f16|q8_0] [--threads N] [--force]

Applies a plan to MODEL in one front-to-back pass and writes OUT: flattened groups (FlattenGPT) become one standard
layer each, pruned back to the original head, KV-head and MLP widths on calibration activations; dropped blocks
(ShortGPT) are removed; slicing (SliceGPT) rotates every block's residual stream into its PCA basis and keeps the
plan's widths. --format hf (default) writes a Hugging Face directory: a flattened or dropped model loads in
transformers with no extra code, a sliced one with trust_remote_code=True (a modeling file is written with it).
--format gguf writes a llama.cpp GGUF file (standard architectures only; --out-type f32, f16, bf16 or q8_0).
An HF export is f32 or bf16 (--out-type, alias --out-dtype).

Calibration (needed when the plan flattens or slices): --samples windows (default: the plan's, else 128) of --seqlen tokens
(default: the plan's, else 512) of --calib, drawn with --seed (default: the plan's, else 42).
--eval FILE measures the exported model's perplexity on the first --max-tokens tokens (default 16384) in windows
of --eval-seqlen (default 512). After writing, a self-check reloads OUT and compares it with the in-memory model.
--force replaces an existing OUT.
)";

} // namespace

int compressCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kCompressHelp;
        return 0;
    }
    const Arguments args(raw, {"--force"},
                         {"--plan", "--calib", "-o", "--output", "--samples", "--seqlen", "--seed", "--batch", "--eval",
                          "--eval-seqlen", "--max-tokens", "--out-dtype", "--out-type", "--format", "--threads"});
    args.expectPositionals(1, "one MODEL path");
    const auto planPath = args.value("--plan");
    const auto out = args.value("-o") ? args.value("-o") : args.value("--output");
    if (!planPath || !out)
        throw UsageError("compress needs --plan P.json and -o OUT");

    core::CompressionJobOptions job;
    job.modelPath = args.positionals()[0];
    job.plan = core::Plan::fromJson(core::readFile(*planPath, "plan"), *planPath);
    job.planSource = *planPath;
    job.samples = args.intOr("--samples", job.plan.protocol.samples);
    job.seqlen = args.intOr("--seqlen", job.plan.protocol.seqlen);
    const std::int64_t seed = args.intOr("--seed", static_cast<long long>(job.plan.protocol.seed));
    job.batch = args.intOr("--batch", 1);
    if (job.samples <= 0 || job.seqlen < 2 || seed < 0 || job.batch <= 0)
        throw UsageError("--samples and --batch must be positive, --seqlen at least 2, --seed non-negative");
    job.seed = static_cast<std::uint64_t>(seed);
    if ((!job.plan.flatten.empty() || job.plan.slice) && !args.value("--calib"))
        throw UsageError("this plan flattens or slices blocks: compress needs --calib FILE");
    job.calibrationPath = args.valueOr("--calib", "");
    job.outputPath = *out;
    const std::string format = args.valueOr("--format", "hf");
    if (format == "hf")
        job.format = core::ExportFormat::HuggingFace;
    else if (format == "gguf")
        job.format = core::ExportFormat::Gguf;
    else
        throw UsageError("--format must be hf or gguf");
    job.outputType = args.valueOr("--out-type", args.valueOr("--out-dtype", "f32"));
    job.overwrite = args.has("--force");
    job.evalPath = args.valueOr("--eval", "");
    job.evalSeqlen = args.intOr("--eval-seqlen", 512);
    job.evalMaxTokens = args.intOr("--max-tokens", 16384);
    job.runtime.threads = static_cast<int>(args.intOr("--threads", 0));
    if (job.runtime.threads < 0)
        throw UsageError("--threads must be positive");

    // One bar per stage: the job's messages start with the stage name.
    std::unique_ptr<ProgressBar> bar;
    std::string stage;
    const core::Progress progress([&](std::int64_t done, std::int64_t total, std::string_view message) {
        const std::string name(message.substr(0, message.find(':')));
        if (name != stage) {
            if (bar)
                bar->finish();
            stage = name;
            bar = std::make_unique<ProgressBar>(stage);
        }
        bar->progress().step(done, total, message); // throws Cancelled after Ctrl-C
        return true;
    });
    const core::CompressionJobResult result = core::runCompressionJob(job, progress, [&](const std::string& line) {
        if (bar) {
            bar->finish();
            bar.reset();
            stage.clear();
        }
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    });
    if (bar)
        bar->finish();
    const auto& report = result.report;
    std::printf("layers      %lld -> %lld\n", static_cast<long long>(report.layersBefore),
                static_cast<long long>(report.layersAfter));
    std::printf("parameters  %s -> %s (%lld -> %lld, counted)\n", core::millions(report.parametersBefore).c_str(),
                core::millions(report.parametersAfter).c_str(), static_cast<long long>(report.parametersBefore),
                static_cast<long long>(report.parametersAfter));
    std::printf("self-check  perplexity %.6f in memory, %.6f reloaded\n", result.selfCheckInMemory,
                result.selfCheckReloaded);
    if (result.evaluation)
        std::printf("perplexity  %.4f on %s (%lld tokens, %lld windows of %lld)\n", result.evaluation->perplexity,
                    job.evalPath.c_str(), static_cast<long long>(result.evaluation->tokens),
                    static_cast<long long>(result.evaluation->windows),
                    static_cast<long long>(result.evaluation->seqlen));
    std::printf("written     %s (%.1f s in all)\n", out->c_str(), result.seconds);
    return 0;
}

} // namespace flatslice::app
