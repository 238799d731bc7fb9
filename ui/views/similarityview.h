// SPDX-License-Identifier: GPL-3.0-or-later
// The Similarity tab: where the model repeats itself, and the lever for FlattenGPT's pairs.
//
// Left, the adjacent-pair curve against block index i: cos(input, output) of block i (the mean cosine between the
// residual stream entering and leaving it) and ShortGPT's Block Influence BI = 1 - cos on the right axis. The point
// at i is also FlattenGPT's criterion for the pair (i, i + 1) (the similarity of the two blocks' inputs).
// Right, the any-to-any heatmap: cell (row i, column j) is the mean cosine between the residual streams at depths
// i and j (depth d enters block d; depth L leaves the last block), row 0 at the top, crisp cells, colour legend.
// The plan's flattened groups are shaded on the curve and outlined on the heatmap, dropped blocks hatched red.
//
// Interaction: hovering shows (i, j, value) or the block's figures in the status line; clicking a point i <= L - 2
// of the curve, or a heatmap cell with |i - j| = 1 (first = min(i, j) <= L - 2), emits flattenPairToggled(first).
// The view never edits a plan itself: setPlanDocument connects that signal to PlanDocument::toggleFlattenPair.
// GUI thread only; the session is shared read-only.
#pragma once

#include <QList>
#include <QWidget>

#include <memory>

#include "analysis/analysisresult.h"
#include "compress/plan.h"
#include "plan/planbinding.h"
#include "plot/heatmapgeometry.h"

class QCustomPlot;
class QCPColorMap;
class QLabel;
class QMouseEvent;

namespace flatslice::ui {

class HintPanel;
class PlanDocument;

class SimilarityView : public QWidget {
    Q_OBJECT
public:
    explicit SimilarityView(QWidget* parent = nullptr);

    void setSession(std::shared_ptr<const core::AnalysisResult> session); // null clears
    // Follows `document`: draws its plan now and on every planChanged(), and sends this view's edits to its commands. A
    // second call rebinds.
    void setPlanDocument(PlanDocument* document);
    // Draws `plan` (what setPlanDocument calls; a view without a document is drawn this way).
    void setPlan(const core::Plan& plan);
    QString hint() const;
    QList<QCustomPlot*> plots() const; // {curve, heatmap}

    // Where the heatmap's cells and the curve's blocks are on screen now (widget pixels of the respective plot).
    HeatmapGeometry heatmapGeometry() const;
    AxisMapping curveBlockAxis() const;
    // The hover readout.
    QString statusText() const;

Q_SIGNALS:
    void flattenPairToggled(qint64 firstBlock);

private:
    void rebuild();
    void drawPlanMarks();
    void onCurveMove(QMouseEvent* event);
    void onCurvePress(QMouseEvent* event);
    void onHeatmapMove(QMouseEvent* event);
    void onHeatmapPress(QMouseEvent* event);
    qint64 blockCount() const;

    std::shared_ptr<const core::AnalysisResult> m_session;
    PlanBinding m_binding;
    core::Plan m_plan;
    HintPanel* m_hint = nullptr;
    QCustomPlot* m_curve = nullptr;
    QCustomPlot* m_heatmap = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace flatslice::ui
