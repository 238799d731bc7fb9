// SPDX-License-Identifier: GPL-3.0-or-later
// demo: the headless walk-through `./dev run` uses without a display. With calibration text it runs the whole
// workbench story on the CLI: inspect -> analyse (session) -> suggest a FlattenGPT plan -> compress and export with
// the self-check -> perplexity of the dense and the compressed model -> a Markdown report. Without --calib it
// falls back to the converter walk-through (GGUF -> Hugging Face directory, re-opened and compared).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "analysis/analysissummary.h"
#include "arguments.h"
#include "commands.h"
#include "compress/estimator.h"
#include "compress/plansuggestion.h"
#include "export/ggufconverter.h"
#include "format/durablefile.h"
#include "jobs/analysisjob.h"
#include "jobs/compressionjob.h"
#include "jobs/measurejob.h"
#include "model/checkpoint.h"
#include "model/modelsummary.h"
#include "progressbar.h"
#include "util/error.h"
#include "util/humanunits.h"

namespace flatslice::app {

namespace fs = std::filesystem;

namespace {

const char* kDemoHelp = R"(usage: flatslice demo MODEL -o DIR [--calib FILE] [--eval FILE] [--samples N] [--seqlen L]
                      [--share F] [--eval-tokens N] [--threads N]

The headless walk-through `./dev run` uses without a display. With --calib:
  1. inspect MODEL                                     DIR/inspect.txt
  2. analyse --samples windows (default 16) of --seqlen tokens (default 256) of the calibration text
                                                       DIR/demo.flatslice.h5 (open it in the workbench)
  3. suggest a FlattenGPT plan removing --share of the blocks (default 0.10) as adjacent pairs
                                                       DIR/demo.plan.json (flatslice compress ... --plan)
  4. compress and export a Hugging Face directory, reload it and compare (self-check)
                                                       DIR/compressed/
  5. with --eval: perplexity of the dense and the compressed model on the first --eval-tokens tokens
     (default 4096) in windows of 512
  6. a summary                                         DIR/report.md
Without --calib: inspect, convert to a Hugging Face directory (DIR/hf), re-open it and compare every tensor.
)";

int convertWalkThrough(const fs::path& model, const fs::path& outDir, const core::Checkpoint& source,
                       const core::ModelSummary& before)
{
    const fs::path hf = outDir / "hf";
    std::cout << "== 2. convert to a Hugging Face directory: " << hf << "\n";
    core::ConvertOptions options;
    options.overwrite = true;
    ProgressBar bar("convert");
    const auto converted = core::convertGgufToHf(model, hf, options, bar.progress());
    bar.finish();
    std::printf("%lld tensors, %.1f MB, %.1f s\n\n", static_cast<long long>(converted.tensors),
                static_cast<double>(converted.weightBytes) / 1e6, converted.seconds);

    std::cout << "== 3. re-open the export and compare with the source\n";
    const auto reopened = core::Checkpoint::open(hf);
    const auto after = core::ModelSummary::of(*reopened);
    std::int64_t differing = 0;
    for (const auto& info : source.tensors()) {
        const auto a = core::toFloatVector(source.tensor(info.name));
        const auto* other = reopened->findTensor(info.name);
        if (!other || core::toFloatVector(reopened->tensor(info.name)) != a)
            ++differing;
    }
    const bool same = differing == 0 && after.totalParams() == before.totalParams() &&
                      after.config.numLayers == before.config.numLayers;
    std::printf("parameters %lld vs %lld, layers %lld vs %lld, tensors differing: %lld: %s\n",
                static_cast<long long>(before.totalParams()), static_cast<long long>(after.totalParams()),
                static_cast<long long>(before.config.numLayers), static_cast<long long>(after.config.numLayers),
                static_cast<long long>(differing), same ? "match" : "MISMATCH");
    std::cout << "\nresults:\n  " << (outDir / "inspect.txt").string() << "\n  " << hf.string()
              << "/ (loads with transformers.AutoModelForCausalLM.from_pretrained)\n"
              << "Pass --calib FILE (and --eval FILE) for the analyse -> plan -> compress walk-through.\n";
    return same ? 0 : 1;
}

} // namespace

int demoCommand(const std::vector<std::string>& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kDemoHelp;
        return 0;
    }
    const Arguments args(raw, {},
                         {"-o", "--calib", "--eval", "--samples", "--seqlen", "--share", "--eval-tokens", "--threads"});
    args.expectPositionals(1, "one MODEL path");
    const fs::path model = args.positionals()[0];
    const fs::path outDir = args.valueOr("-o", "flatslice-demo");
    const std::int64_t samples = args.intOr("--samples", 16);
    const std::int64_t seqlen = args.intOr("--seqlen", 256);
    const std::int64_t evalTokens = args.intOr("--eval-tokens", 4096);
    double share = 0.10;
    try {
        share = std::stod(args.valueOr("--share", "0.10"));
    } catch (const std::exception&) {
        throw UsageError("--share expects a fraction such as 0.25");
    }
    if (samples < 1 || seqlen < 2 || evalTokens < 2 || !(share > 0.0 && share < 1.0))
        throw UsageError("--samples must be positive, --seqlen and --eval-tokens at least 2, --share in (0, 1)");
    core::RuntimeOptions runtime;
    runtime.threads = static_cast<int>(args.intOr("--threads", 0));
    fs::create_directories(outDir);

    std::cout << "== 1. inspect " << model << "\n";
    const auto source = core::Checkpoint::open(model);
    const auto summary = core::ModelSummary::of(*source);
    std::cout << summary.toText() << "\n";
    std::ofstream(outDir / "inspect.txt") << summary.toText();
    std::ofstream(outDir / "inspect.json") << summary.toJson();

    const auto calib = args.value("--calib");
    if (!calib)
        return convertWalkThrough(model, outDir, *source, summary);

    const auto evalPath = args.value("--eval");
    const auto started = std::chrono::steady_clock::now();
    std::printf("== 2. analyse: %lld windows x %lld tokens of %s\n", static_cast<long long>(samples),
                static_cast<long long>(seqlen), calib->c_str());
    const fs::path session = outDir / "demo.flatslice.h5";
    core::AnalysisJobOptions analyse;
    analyse.modelPath = model.string();
    analyse.calibrationPath = *calib;
    analyse.samples = samples;
    analyse.seqlen = seqlen;
    analyse.seed = 42;
    analyse.runtime = runtime;
    analyse.evaluationPath = evalPath.value_or("");
    analyse.sessionPath = session.string();
    core::AnalysisJobResult analysed;
    {
        ProgressBar bar("analyse");
        analysed = core::runAnalysisJob(analyse, bar.progress());
        bar.finish();
    }
    const core::AnalysisResult& analysis = analysed.analysis;
    std::optional<core::PerplexityResult> densePerplexity;
    if (evalPath) {
        std::printf("   perplexity of the dense model on %s (first %lld tokens) ...\n", evalPath->c_str(),
                    static_cast<long long>(evalTokens));
        core::MeasureJobOptions measure;
        measure.modelPath = model.string();
        measure.runtime = runtime;
        measure.evalPath = *evalPath;
        measure.perplexity.seqlen = 512;
        measure.perplexity.maxTokens = evalTokens;
        ProgressBar bar("eval");
        densePerplexity = core::runMeasureJob(measure, bar.progress()).perplexity;
        bar.finish();
    }
    std::printf("   %.1f s; most redundant adjacent pairs:", analysis.seconds);
    const auto pairs = core::rankAdjacentPairs(analysis);
    for (std::size_t i = 0; i < std::min<std::size_t>(5, pairs.size()); ++i)
        std::printf(" %lld+%lld (%.4f)", static_cast<long long>(pairs[i].first),
                    static_cast<long long>(pairs[i].first + 1), pairs[i].similarity);
    std::printf("\n   session %s\n\n", session.string().c_str());

    const auto blocks = static_cast<double>(analysis.blocks.size());
    core::SuggestOptions suggest;
    suggest.flattenCount = std::max<std::int64_t>(1, std::llround(share * blocks));
    const core::Plan plan = core::suggestPlan(analysis, suggest);
    const fs::path planPath = outDir / "demo.plan.json";
    core::writeFileDurably(planPath, plan.toJson());
    const core::Estimate estimate = core::estimate(source->config(), plan);
    std::printf("== 3. plan: flatten %lld pairs (FlattenGPT greedy):", static_cast<long long>(plan.flatten.size()));
    for (const auto& g : plan.flatten)
        std::printf(" %lld+%lld", static_cast<long long>(g.front()), static_cast<long long>(g.back()));
    std::printf("\n   estimate: %lld -> %lld layers, %s -> %s parameters (%.1f%% removed)\n   plan %s\n\n",
                static_cast<long long>(estimate.dense.layers), static_cast<long long>(estimate.compressed.layers),
                core::millions(estimate.dense.params.total()).c_str(),
                core::millions(estimate.compressed.params.total()).c_str(), 100.0 * estimate.removedRatio,
                planPath.string().c_str());

    std::cout << "== 4. compress and export (Hugging Face directory, self-check)\n";
    core::CompressionJobOptions job;
    job.modelPath = model.string();
    job.plan = plan;
    job.planSource = planPath.string();
    job.calibrationPath = *calib;
    job.samples = samples;
    job.seqlen = seqlen;
    job.seed = 42;
    job.outputPath = (outDir / "compressed").string();
    job.overwrite = true;
    job.runtime = runtime;
    if (evalPath) {
        job.evalPath = *evalPath;
        job.evalSeqlen = 512;
        job.evalMaxTokens = evalTokens;
    }
    ProgressBar bar("compress");
    const core::CompressionJobResult result = core::runCompressionJob(job, bar.progress(), [](const std::string& line) {
        std::printf("   %s\n", line.c_str());
    });
    bar.finish();
    const double drift = std::abs(result.selfCheckReloaded - result.selfCheckInMemory) /
                         std::max(1e-12, result.selfCheckInMemory);
    std::printf("   %lld -> %lld layers, %lld -> %lld parameters (counted)\n",
                static_cast<long long>(result.report.layersBefore), static_cast<long long>(result.report.layersAfter),
                static_cast<long long>(result.report.parametersBefore),
                static_cast<long long>(result.report.parametersAfter));
    std::printf("   self-check: perplexity %.6f in memory, %.6f reloaded: %s\n", result.selfCheckInMemory,
                result.selfCheckReloaded, drift < 1e-3 ? "match" : "MISMATCH");
    if (densePerplexity && result.evaluation)
        std::printf("== 5. perplexity on %s: dense %.3f, compressed %.3f\n", evalPath->c_str(),
                    densePerplexity->perplexity, result.evaluation->perplexity);

    const fs::path report = outDir / "report.md";
    {
        std::ofstream md(report);
        md << "# flatslice demo: " << model.filename().string() << "\n\n";
        md << "| | dense | compressed |\n|---|---:|---:|\n";
        md << "| layers | " << result.report.layersBefore << " | " << result.report.layersAfter << " |\n";
        md << "| parameters | " << result.report.parametersBefore << " | " << result.report.parametersAfter << " |\n";
        if (densePerplexity && result.evaluation)
            md << "| perplexity (" << result.evaluation->tokens << " tokens of "
               << fs::path(*evalPath).filename().string() << ") | " << densePerplexity->perplexity << " | "
               << result.evaluation->perplexity << " |\n";
        md << "\nPlan: flatten";
        for (const auto& g : plan.flatten)
            md << " " << g.front() << "+" << g.back();
        md << " (FlattenGPT greedy on " << samples << " windows x " << seqlen << " tokens of "
           << fs::path(*calib).filename().string() << ").\n\n";
        md << "Self-check: perplexity " << result.selfCheckInMemory << " in memory, " << result.selfCheckReloaded
           << " reloaded from the export.\n\n";
        for (const auto& w : result.warnings)
            md << "- warning: " << w << "\n";
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "\nresults (" << static_cast<long long>(seconds) << " s):\n"
              << "  " << session.string() << "   session: flatslice open " << session.string() << "\n"
              << "  " << planPath.string() << "   plan: flatslice compress MODEL --plan ... --calib ... -o OUT\n"
              << "  " << result.outputPath << "/   compressed Hugging Face model (transformers loads it)\n"
              << "  " << report.string() << "   summary\n";
    return drift < 1e-3 ? 0 : 1;
}

} // namespace flatslice::app
