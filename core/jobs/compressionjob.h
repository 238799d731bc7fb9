// SPDX-License-Identifier: GPL-3.0-or-later
// The whole "compress a checkpoint" pipeline behind one call, shared by `flatslice compress` and the workbench:
// open MODEL, validate the plan against it, load it, draw calibration windows (when the plan flattens or slices),
// run the Compressor, export (Hugging Face directory or GGUF) with the exporter's self-check, and optionally measure
// the exported model's perplexity. Torch-free header: the GUI calls it from a worker thread.
//
// Progress: one Progress for the whole job; `done/total` restart per stage and the message names the stage
// ("load", "calibrate", "compress", "export", "evaluate"). A false return cancels at the next safe point
// (Cancelled); nothing is left at `output` then (exports are atomic). `log` receives one human-readable line per
// notable event (estimate, warnings, per-group decisions) as it happens; it may be empty.
// The source checkpoint is only read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "compress/compressor.h"
#include "compress/estimator.h"
#include "compress/plan.h"
#include "eval/perplexity.h"
#include "model/transformer.h"
#include "util/progress.h"

namespace flatslice::core {

enum class ExportFormat { HuggingFace, Gguf };

struct CompressionJobOptions {
    std::string modelPath; // HF directory or .gguf
    Plan plan;
    std::string planSource = "plan"; // names the plan in error messages

    // Calibration (used when the plan flattens or slices): windows of the corpus file.
    std::string calibrationPath;
    std::int64_t samples = 0;          // 0: the plan's protocol
    std::int64_t seqlen = 0;           // 0: the plan's protocol
    std::optional<std::uint64_t> seed; // absent: the plan's protocol
    std::int64_t batch = 1;

    std::string outputPath;
    ExportFormat format = ExportFormat::HuggingFace;
    // HF: "f32" | "bf16"; GGUF: "f32" | "f16" | "bf16" | "q8_0".
    std::string outputType = "f32";
    bool overwrite = false;

    std::string evalPath; // empty: no evaluation after export
    std::int64_t evalSeqlen = 512;
    std::int64_t evalMaxTokens = 16384;

    RuntimeOptions runtime;
};

struct CompressionJobResult {
    Estimate estimate;
    CompressionReport report;
    std::string outputPath;
    ExportFormat format = ExportFormat::HuggingFace;
    double selfCheckInMemory = 0.0; // perplexity of the self-check prefix, in memory
    double selfCheckReloaded = 0.0; // the same, read back from the written files
    std::optional<PerplexityResult> evaluation;
    std::vector<std::string> warnings;
    double seconds = 0.0;
};

// Throws Error (unreadable model, invalid plan, missing calibration file, export failure or self-check mismatch),
// Cancelled.
CompressionJobResult runCompressionJob(const CompressionJobOptions& options,
                                       const Progress& progress = Progress::none(),
                                       const std::function<void(const std::string&)>& log = {});

} // namespace flatslice::core
