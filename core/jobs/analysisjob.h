// SPDX-License-Identifier: GPL-3.0-or-later
// The analysis use case behind one call, shared by `flatslice analyze`, `flatslice demo` and the workbench's Analyse:
// open MODEL, load it, tokenize the calibration text, draw the windows, run the analysis (core::analyze) and,
// when asked, write the session file. Torch-free header: the GUI calls it from a worker thread.
//
// Progress: one Progress for the whole job; `done/total` restart per stage and the message names the stage
// ("load: ...", "tokenize: ...", "analyse: ..."). A false return cancels at the next safe point (Cancelled); no
// session is written then (the session write is atomic). `log` receives one line per stage as it happens.
// The checkpoint and the text files are only read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analysisresult.h"
#include "jobs/joblog.h"
#include "model/transformer.h"
#include "util/progress.h"

namespace flatslice::core {

struct AnalysisJobOptions {
    std::string modelPath;       // HF directory or .gguf
    std::string calibrationPath; // text file
    std::int64_t samples = 128;  // windows
    std::int64_t seqlen = 512;   // tokens per window
    std::uint64_t seed = 42;
    std::int64_t batch = 1; // windows per forward pass
    RuntimeOptions runtime;
    std::string evaluationPath; // optional: warn when calibration and evaluation text share passages
    std::string sessionPath;    // optional: write the session here (atomically, replacing a file)
};

struct AnalysisJobResult {
    AnalysisResult analysis;
    // The windows drawn (their first tokens in the corpus stream), whether they overlap, and the sha256 of their
    // token ids (little-endian int32), so that another tool can check it saw the same calibration tokens.
    std::vector<std::int64_t> windowOffsets;
    bool overlappingWindows = false;
    std::string windowIdsSha256;
    int threads = 0; // intra-op threads the model ran on
    double loadSeconds = 0.0;
    double tokenizeSeconds = 0.0;
};

// Throws Error (unreadable model or text, invalid options, session write failure), Cancelled.
AnalysisJobResult runAnalysisJob(const AnalysisJobOptions& options, const Progress& progress = Progress::none(),
                                 const JobLog& log = {});

} // namespace flatslice::core
