// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal (torch types): what both exporters do with their output before moving it into place.
//
// The self-check reloads what was written with Checkpoint::open + Transformer::load (f32, libtorch's current
// thread count) and compares the perplexity of a short token prefix with the in-memory model whose weights went
// through exactly the rounding the file applied (`round`: bf16, f16, or a quantize-dequantize). Both sides then hold
// the same numbers, so the tolerance can stay tight whatever the storage type: a mismatch means a wrong name,
// layout, permutation or metadata, not rounding. With evaluation tokens, the reloaded model's perplexity on them is
// measured too. Include only from core .cpp files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <torch/types.h>

#include "eval/perplexity.h"
#include "util/progress.h"

namespace flatslice::core {

class TransformerImpl;

// Maps one weight (Hugging Face layout, any float dtype) to the f32 values the written file gives back for it.
using WeightRounding = std::function<torch::Tensor(const torch::Tensor& weight)>;

// A copy of `model` with every defined weight passed through `round`, computing in f32. A tied head stays tied.
std::unique_ptr<TransformerImpl> roundedCopy(const TransformerImpl& model, const WeightRounding& round);

struct ExportCheckOptions {
    std::vector<std::int32_t> tokens; // >= 2 tokens; fewer skips the comparison (the reload still runs)
    double tolerance = 1e-4;          // relative perplexity difference allowed
    std::vector<std::int32_t> evalTokens;
    PerplexityOptions evalOptions;
};

struct ExportCheckResult {
    double inMemory = 0.0; // perplexity of `tokens`, rounded in-memory model
    double reloaded = 0.0; // the same, reloaded from `written`
    std::optional<PerplexityResult> evaluation;
};

// Reloads `written` (a directory or a .gguf file), compares, evaluates. Reports "self-check: reloading" as step
// `step` of `total` and "evaluating" as `step + 1`. Throws Error "export self-check failed: ..." with both numbers
// when the relative difference exceeds the tolerance (or is NaN); Cancelled from `progress`.
ExportCheckResult checkExport(const TransformerImpl& model, const WeightRounding& round,
                              const std::filesystem::path& written, const ExportCheckOptions& options,
                              const Progress& progress, std::int64_t step, std::int64_t total);

} // namespace flatslice::core
