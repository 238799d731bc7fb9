// SPDX-License-Identifier: GPL-3.0-or-later
// The Compare tab: the dense model and its compressed version side by side (ComparisonData).
//
// A table of figures (parameters, layers, perplexity, prefill and decode tokens/s) with the compressed/dense
// ratio; a bar chart of those ratios in percent of dense (100% = unchanged; lower parameters and higher speed are
// better, lower perplexity is better); the per-layer adjacent similarity of both models overlaid; the cumulative
// explained variance of the compared block on both sides; and both sample generations.
// setSession fills the dense similarity curve when the comparison has none; setPlan shades the blocks the plan
// removes on that curve. GUI thread only.
#pragma once

#include <QList>
#include <QWidget>

#include <memory>

#include "analysis/analysisresult.h"
#include "comparisondata.h"
#include "compress/plan.h"
#include "plan/planbinding.h"

class QCustomPlot;
class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace flatslice::ui {

class HintPanel;
class PlanDocument;

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void setSession(std::shared_ptr<const core::AnalysisResult> session); // null clears
    // Follows `document`: draws its plan now and on every planChanged(). A second call rebinds.
    void setPlanDocument(PlanDocument* document);
    // Draws `plan` (what setPlanDocument calls; a view without a document is drawn this way).
    void setPlan(const core::Plan& plan);
    void setComparison(const ComparisonData& comparison);
    void clearComparison();
    QString hint() const;
    QList<QCustomPlot*> plots() const; // {ratio bars, similarity overlay, explained variance overlay}
    // The figures table (rows: parameters, layers, perplexity, prefill, decode; columns: dense, compressed, ratio).
    const QTableWidget* table() const { return m_table; }

private:
    void rebuild();

    std::shared_ptr<const core::AnalysisResult> m_session;
    PlanBinding m_binding;
    core::Plan m_plan;
    std::optional<ComparisonData> m_data;
    HintPanel* m_hint = nullptr;
    QTableWidget* m_table = nullptr;
    QCustomPlot* m_bars = nullptr;
    QCustomPlot* m_similarity = nullptr;
    QCustomPlot* m_variance = nullptr;
    QLabel* m_prompt = nullptr;
    QLabel* m_denseLabel = nullptr;
    QLabel* m_compressedLabel = nullptr;
    QPlainTextEdit* m_denseText = nullptr;
    QPlainTextEdit* m_compressedText = nullptr;
};

} // namespace flatslice::ui
