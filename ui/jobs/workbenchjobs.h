// SPDX-License-Identifier: GPL-3.0-or-later
// The work functions behind the workbench's jobs, run by JobRunner on a worker thread. Each takes a plain request
// (std types, copied into the job), reports through the JobContext and returns an immutable result; none touches
// a QObject. Errors are core::Error (one line with context), cancellation core::Cancelled.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "analysis/analysisresult.h"
#include "eval/perplexity.h"
#include "eval/throughput.h"
#include "jobs/compressionjob.h"
#include "model/modelsummary.h"
#include "workbench/protocol.h"

namespace flatslice::ui {

class JobContext;

// An analysis: the workbench's protocol applied to one model.
struct AnalysisRequest : Protocol {
    std::string modelPath;
};

inline AnalysisRequest analysisRequest(const Protocol& protocol, const std::string& modelPath)
{
    return {protocol, modelPath};
}

// Loads the model, tokenizes and samples the calibration text, runs core::analyze.
std::shared_ptr<const core::AnalysisResult> runAnalysis(const AnalysisRequest& request, const JobContext& context);

// Reads / writes a session file (`*.flatslice.h5`).
std::shared_ptr<const core::AnalysisResult> readSessionJob(const std::string& path, const JobContext& context);
void writeSessionJob(const std::string& path, const core::AnalysisResult& result, const JobContext& context);

// Measuring one model: perplexity on a text file, prefill/decode speed, a greedy sample. Each part optional.
struct MeasureRequest {
    std::string modelPath;
    std::string label;    // "dense", "compressed", ...
    std::string evalPath; // empty: no perplexity
    std::int64_t evalSeqlen = 512;
    std::int64_t evalMaxTokens = 8192;
    bool throughput = false;
    std::int64_t prefillSeqlen = 256;
    std::int64_t decodeTokens = 32;
    std::string prompt; // empty: no sample generation
    std::int64_t maxNewTokens = 40;
    std::string dtype = "f32";
    int threads = 0;
};

struct MeasureResult {
    std::string label;
    std::string modelPath;
    core::ModelSummary summary;
    std::optional<core::PerplexityResult> perplexity;
    std::optional<core::ThroughputResult> throughput;
    std::string sample; // the prompt's continuation (without the prompt)
};

MeasureResult runMeasure(const MeasureRequest& request, const JobContext& context);

// runCompressionJob with the job's progress and log.
core::CompressionJobResult runCompress(const core::CompressionJobOptions& options, const JobContext& context);

} // namespace flatslice::ui
