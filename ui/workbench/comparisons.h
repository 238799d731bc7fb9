// SPDX-License-Identifier: GPL-3.0-or-later
// What the Compare tab shows, assembled from the workbench's results: the plan's estimate until something is
// measured, then the export's figures, then a measured side-by-side. Each also fills the dense side's spectrum
// from the session (the attention input of the first block the plan changes; the middle block when it changes
// none). Plain functions of immutable inputs; `session` may be null.
#pragma once

#include <vector>

#include "analysis/analysisresult.h"
#include "compress/estimator.h"
#include "compress/plan.h"
#include "jobs/compressionjob.h"
#include "jobs/workbenchjobs.h"
#include "views/comparisondata.h"

namespace flatslice::ui {

// The estimator's promise for `plan` (no model run).
ComparisonData estimatedComparison(const core::Estimate& estimate, const core::AnalysisResult* session,
                                   const core::Plan& plan);
// The export's figures: parameters, layers and (when evaluated) the compressed perplexity.
ComparisonData exportedComparison(const core::CompressionJobResult& result, const core::AnalysisResult* session,
                                  const core::Plan& plan);
// Two measurements, dense first, measured the same way; `prompt` is the sample generations' prompt.
ComparisonData measuredComparison(const std::vector<MeasureResult>& results, const QString& prompt,
                                  const core::AnalysisResult* session, const core::Plan& plan);

} // namespace flatslice::ui
