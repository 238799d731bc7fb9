// SPDX-License-Identifier: GPL-3.0-or-later
// What the Compare view sets side by side: figures measured on the dense model and on its compressed version.
// Plain data filled by whoever ran the evaluations (the workbench's jobs, a test); nothing here runs a model.
// Units: parameters and layers are counts, perplexity is per token on the eval text, speeds are tokens per second
// of the same prompt length and thread count on both sides. Absent figures are std::nullopt and show as "-".
#pragma once

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace flatslice::ui {

struct ComparisonSide {
    QString label;               // "dense", "flattened 8 pairs + s = 0.2", ...
    std::int64_t parameters = 0; // all stored parameters (a tied head once)
    std::int64_t layers = 0;
    std::optional<double> perplexity;
    double prefillTokensPerSecond = 0.0; // 0 = not measured
    std::optional<double> decodeTokensPerSecond;
    // cos(input, output) per layer of this model, in layer order (a compressed model has fewer entries).
    std::optional<std::vector<double>> adjacentSimilarity;
    // Cumulative explained variance of the compared block's spectrum, k = 0..D (ExplainedVariance::cumulative()).
    std::optional<std::vector<double>> explainedVariance;
    QString generation; // a sample greedy generation from the same prompt
};

struct ComparisonData {
    ComparisonSide dense;
    ComparisonSide compressed;
    QString prompt;        // the generations' prompt (shown above them)
    QString spectrumLabel; // which block/signal explainedVariance describes, e.g. "block 10, attention input"
};

} // namespace flatslice::ui
