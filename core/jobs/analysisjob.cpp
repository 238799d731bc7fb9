// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobs/analysisjob.h"

#include <chrono>

#include "analysis/analyze.h"
#include "analysis/sessionfile.h"
#include "model/checkpoint.h"
#include "text/checkpointtokenizer.h"
#include "text/corpus.h"
#include "util/elapsed.h"
#include "util/error.h"

namespace flatslice::core {

AnalysisJobResult runAnalysisJob(const AnalysisJobOptions& options, const Progress& progress, const JobLog& log)
{
    const auto say = [&log](const std::string& line) {
        if (log)
            log(line);
    };
    if (options.calibrationPath.empty())
        throw Error("analyse: choose a calibration text file");
    if (options.samples < 1 || options.seqlen < 2 || options.batch < 1)
        throw Error("analyse: windows and batch must be positive and the window length at least 2");

    AnalysisJobResult out;
    const auto loadStart = std::chrono::steady_clock::now();
    say("opening " + options.modelPath);
    const auto checkpoint = Checkpoint::open(options.modelPath);
    const auto model = Transformer::load(*checkpoint, options.runtime, progress.stage("load"));
    out.loadSeconds = secondsSince(loadStart);
    out.threads = model->threads();
    say("loaded in " + std::string(dtypeName(model->dtype())) + " on " + std::to_string(out.threads) +
        " threads; tokenizing " + options.calibrationPath);
    progress.step(0, 0, "tokenize: " + options.calibrationPath);

    const auto tokenizeStart = std::chrono::steady_clock::now();
    const Corpus corpus = Corpus::fromFile(options.calibrationPath, tokenizerFor(*checkpoint));
    const CorpusWindows windows = corpus.sample(options.samples, options.seqlen, options.seed);
    out.tokenizeSeconds = secondsSince(tokenizeStart);
    out.windowOffsets = windows.offsets;
    out.overlappingWindows = windows.overlapping;
    out.windowIdsSha256 = tokenIdsSha256(corpus.gather(windows));
    say(std::to_string(windows.count()) + " windows of " + std::to_string(windows.seqlen) + " tokens from " +
        std::to_string(corpus.tokenCount()) + " (seed " + std::to_string(options.seed) + ")");

    AnalysisOptions analysis;
    analysis.batch = options.batch;
    analysis.evaluationPath = options.evaluationPath;
    out.analysis = analyze(*checkpoint, *model, corpus, windows, analysis, progress.stage("analyse"));
    for (const std::string& w : out.analysis.warnings)
        say("warning: " + w);
    if (!options.sessionPath.empty()) {
        say("writing session " + options.sessionPath);
        writeSession(options.sessionPath, out.analysis); // atomic: a failure leaves no partial file
    }
    return out;
}

} // namespace flatslice::core
