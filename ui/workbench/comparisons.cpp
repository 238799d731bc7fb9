// SPDX-License-Identifier: GPL-3.0-or-later
#include "comparisons.h"

#include <QObject>

#include "plot/explainedvariance.h"

namespace flatslice::ui {

namespace {

void addDenseSpectrum(ComparisonData& comparison, const core::AnalysisResult* session, const core::Plan& plan)
{
    if (!session || session->blocks.empty())
        return;
    std::size_t block = session->blocks.size() / 2;
    if (!plan.flatten.empty())
        block = static_cast<std::size_t>(plan.flatten.front().front());
    else if (!plan.drop.empty())
        block = static_cast<std::size_t>(plan.drop.front());
    const core::Spectrum& spectrum = session->blocks[block].attnInput;
    if (spectrum.eigenvalues.empty())
        return;
    comparison.dense.explainedVariance = ExplainedVariance(spectrum.eigenvalues).cumulative();
    comparison.spectrumLabel = QObject::tr("block %1, attention input").arg(block);
}

} // namespace

ComparisonData estimatedComparison(const core::Estimate& estimate, const core::AnalysisResult* session,
                                   const core::Plan& plan)
{
    ComparisonData comparison;
    comparison.dense.label = QObject::tr("dense");
    comparison.dense.parameters = estimate.dense.params.total();
    comparison.dense.layers = estimate.dense.layers;
    comparison.compressed.label = QObject::tr("plan (estimate)");
    comparison.compressed.parameters = estimate.compressed.params.total();
    comparison.compressed.layers = estimate.compressed.layers;
    addDenseSpectrum(comparison, session, plan);
    return comparison;
}

ComparisonData exportedComparison(const core::CompressionJobResult& r, const core::AnalysisResult* session,
                                  const core::Plan& plan)
{
    ComparisonData comparison;
    comparison.dense.label = QObject::tr("dense");
    comparison.dense.parameters = r.report.parametersBefore;
    comparison.dense.layers = r.report.layersBefore;
    comparison.compressed.label = QObject::tr("compressed");
    comparison.compressed.parameters = r.report.parametersAfter;
    comparison.compressed.layers = r.report.layersAfter;
    if (r.evaluation)
        comparison.compressed.perplexity = r.evaluation->perplexity;
    addDenseSpectrum(comparison, session, plan);
    return comparison;
}

ComparisonData measuredComparison(const std::vector<MeasureResult>& results, const QString& prompt,
                                  const core::AnalysisResult* session, const core::Plan& plan)
{
    ComparisonData comparison;
    comparison.prompt = prompt;
    for (std::size_t i = 0; i < results.size() && i < 2; ++i) {
        const MeasureResult& m = results[i];
        ComparisonSide& side = i == 0 ? comparison.dense : comparison.compressed;
        side.label = i == 0 ? QObject::tr("dense") : QObject::tr("compressed");
        side.parameters = m.summary.totalParams();
        side.layers = m.summary.config.numLayers;
        if (m.perplexity)
            side.perplexity = m.perplexity->perplexity;
        if (m.throughput) {
            side.prefillTokensPerSecond = m.throughput->prefillTokensPerSecond;
            side.decodeTokensPerSecond = m.throughput->decodeTokensPerSecond;
        }
        side.generation = QString::fromStdString(m.sample);
    }
    addDenseSpectrum(comparison, session, plan);
    return comparison;
}

} // namespace flatslice::ui
