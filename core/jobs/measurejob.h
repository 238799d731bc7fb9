// SPDX-License-Identifier: GPL-3.0-or-later
// Measuring one model behind one call, shared by `flatslice eval`, `bench`, `generate`, `demo` and the workbench's
// Evaluate / Benchmark / Compare: open MODEL, load it, then any of perplexity on a text file (the SliceGPT /
// FlattenGPT protocol, see eval/perplexity.h), prefill and decode speed, and a greedy continuation of a prompt.
// Torch-free header: the GUI calls it from a worker thread.
//
// Progress: one Progress for the whole job; `done/total` restart per stage and the message names it ("load: ...",
// "evaluate: ...", "speed: ...", "generate"). A false
// return cancels at the next safe point (Cancelled). `log` receives one line per finished stage. The checkpoint and
// the text file are only read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "eval/perplexity.h"
#include "eval/throughput.h"
#include "jobs/joblog.h"
#include "model/modelsummary.h"
#include "model/transformer.h"
#include "util/progress.h"

namespace flatslice::core {

struct MeasureJobOptions {
    std::string modelPath; // HF directory or .gguf
    std::string label;     // names the model in log lines ("dense", "compressed"); empty: the path
    RuntimeOptions runtime;

    std::string evalPath; // empty: no perplexity
    PerplexityOptions perplexity;

    bool throughput = false;
    ThroughputOptions speed;

    std::string prompt; // empty: no generation
    std::int64_t maxNewTokens = 64;
    // Called after every generated token with the decoded continuation so far (whole UTF-8 characters only grow
    // it); return false to stop generating early (not an error).
    std::function<bool(const std::string& continuation)> onText;
};

struct MeasureJobResult {
    ModelSummary summary;
    DType dtype = DType::F32;
    int threads = 0;
    double loadSeconds = 0.0;

    std::optional<PerplexityResult> perplexity;
    std::string evalSha256;            // of the evaluation file's bytes
    std::int64_t evalTokensInFile = 0; // before --max-tokens
    double tokenizeSeconds = 0.0;

    std::optional<ThroughputResult> throughput;

    std::optional<std::string> continuation; // the prompt's continuation, without the prompt
};

// Throws Error (unreadable model or text, invalid options), Cancelled.
MeasureJobResult runMeasureJob(const MeasureJobOptions& options, const Progress& progress = Progress::none(),
                               const JobLog& log = {});

} // namespace flatslice::core
