// SPDX-License-Identifier: GPL-3.0-or-later
// The left dock's block strip: one cell per transformer block, top to bottom, coloured by a redundancy metric of
// the session (combo box: similarity, Block Influence, attention / MLP spectral dimension), with the plan drawn
// over it: a bracket joins flattened blocks, dropped blocks are struck through, and the footer states the
// resulting depth. Without a session the cells are grey but the plan can still be edited.
//
// Mouse: click a gap between two blocks (or shift-click a block: the pair with the next one) toggles that flatten
// link; ctrl-click a block toggles dropping it; the context menu offers both. Every edit goes to the PlanDocument
// given to setPlanDocument (without one the strip draws the session and ignores clicks).
// The pixel <-> block arithmetic lives in BlockStripGeometry. GUI thread only.
#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "analysis/analysisresult.h"
#include "blockstripgeometry.h"
#include "plan/planbinding.h"

class QComboBox;

namespace flatslice::ui {

class PlanDocument;

class BlockStrip : public QWidget {
    Q_OBJECT
public:
    enum class Metric { Similarity, BlockInfluence, AttnDim95, MlpDim95 };

    explicit BlockStrip(QWidget* parent = nullptr);

    // Follows `document`: repaints on every planChanged() and sends clicks to its commands. A second call rebinds.
    void setPlanDocument(PlanDocument* document);

    void setSession(std::shared_ptr<const core::AnalysisResult> session);
    void setMetric(Metric metric);
    Metric colourMetric() const { return m_metric; }
    static QString metricName(Metric metric);
    // The value of `metric` for block `i` of the session (NaN without one), and the colour range used.
    double metricValue(int block) const;
    // The geometry of the current size (public for tests that click on the strip).
    BlockStripGeometry geometry() const;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    bool event(QEvent* event) override;

private:
    int blockCount() const;
    QString tooltipFor(int block) const;

    PlanBinding m_binding;
    std::shared_ptr<const core::AnalysisResult> m_session;
    Metric m_metric = Metric::Similarity;
};

} // namespace flatslice::ui
