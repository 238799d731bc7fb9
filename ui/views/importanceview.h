// SPDX-License-Identifier: GPL-3.0-or-later
// The Importance tab: which attention heads and MLP channels matter, and what FlattenGPT would keep when it merges
// a pair of blocks.
//
// Top left, the heads x blocks heatmap (column = block, row = query head, head 0 at the top) of the chosen score
// (FlattenGPT's head score, the head's contribution to the residual stream, its activation norm or its weight norm);
// the plan's flattened groups and dropped blocks are outlined. Top right, the chosen block's MLP channel scores
// sorted from most to least important (ridge leverage, FlattenGPT's criterion; or activation / weight norms).
// Bottom, for the chosen pair (i, i + 1), core::previewFlatten: the KV groups of both blocks as bars (kept
// coloured, pruned grey) and the pooled channel scores sorted, coloured by source block, with the keep boundary at
// intermediateSize; a summary line counts what each block keeps. The channel preview is approximate (see
// core/compress/flattenpreview.h); the head preview follows the flattener's rule.
//
// "Flatten this pair" emits flattenPairToggled(first), which setPlanDocument connects to the document's
// toggleFlattenPair. GUI thread only; the session is shared read-only.
#pragma once

#include <QList>
#include <QWidget>

#include <memory>

#include "analysis/analysisresult.h"
#include "compress/plan.h"
#include "plan/planbinding.h"
#include "plot/heatmapgeometry.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QPushButton;
class QSpinBox;

namespace flatslice::ui {

class HintPanel;
class PlanDocument;

class ImportanceView : public QWidget {
    Q_OBJECT
public:
    explicit ImportanceView(QWidget* parent = nullptr);

    void setSession(std::shared_ptr<const core::AnalysisResult> session); // null clears
    // Follows `document`: draws its plan now and on every planChanged(), and sends this view's edits to its commands. A
    // second call rebinds.
    void setPlanDocument(PlanDocument* document);
    // Draws `plan` (what setPlanDocument calls; a view without a document is drawn this way).
    void setPlan(const core::Plan& plan);
    QString hint() const;
    QList<QCustomPlot*> plots() const; // {heads x blocks, channel distribution, kept KV groups, pooled channels}

    // The block whose channel distribution is shown, and the pair (first, first + 1) previewed.
    void setChannelBlock(qint64 block);
    qint64 channelBlock() const;
    void setPair(qint64 firstBlock);
    qint64 pair() const;
    // The preview's summary line, and the hover readout.
    QString previewText() const;
    QString statusText() const;
    HeatmapGeometry heatmapGeometry() const;

Q_SIGNALS:
    void flattenPairToggled(qint64 firstBlock);

private:
    void rebuildHeatmap();
    void rebuildChannels();
    void rebuildPreview();
    void drawPlanMarks();
    void onHeatmapMove(QMouseEvent* event);
    void onHeatmapPress(QMouseEvent* event);
    const std::vector<double>& headValues(const core::BlockAnalysis& block) const;
    const std::vector<double>& channelValues(const core::BlockAnalysis& block) const;
    qint64 blockCount() const;

    std::shared_ptr<const core::AnalysisResult> m_session;
    PlanBinding m_binding;
    core::Plan m_plan;
    bool m_pairChosen = false; // the user picked a pair: setPlan no longer moves it
    HintPanel* m_hint = nullptr;
    QComboBox* m_headScore = nullptr;
    QComboBox* m_channelScore = nullptr;
    QSpinBox* m_block = nullptr;
    QComboBox* m_pair = nullptr;
    QPushButton* m_toggle = nullptr;
    QCustomPlot* m_heads = nullptr;
    QCustomPlot* m_channels = nullptr;
    QCustomPlot* m_groups = nullptr;
    QCustomPlot* m_pooled = nullptr;
    QLabel* m_preview = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace flatslice::ui
