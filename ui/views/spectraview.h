// SPDX-License-Identifier: GPL-3.0-or-later
// The Spectra tab: how many directions of the residual stream carry its energy, i.e. how far SliceGPT can slice.
//
// Top, the eigenvalues of each chosen block's second-moment matrix (the residual entering its attention norm, or
// its MLP norm) on a log scale against component index; bottom, the cumulative explained variance against the
// kept width k (the fraction of the total held by the top k eigenvalues). A block list (multi-select) overlays
// several blocks; "global" overlays every block thinly with their mean in bold.
//
// The keep-width line: pressing or dragging on either plot moves a vertical line to the width under the cursor,
// snapped to the plan's rounding (SlicePlan::rounding, 8 until a plan says otherwise), and the readout shows the
// variance kept at that width. On release the view emits sliceWidthRequested(layer, width): layer -1 when "global"
// is chosen, otherwise once per selected block, ascending, where `layer` is the ORIGINAL block index (the plan's
// per-layer dims index result layers; the receiver translates). setPlanDocument connects it to
// PlanDocument::setSliceWidth, which does. The plan's current width is a dashed line.
// GUI thread only; the session is shared read-only.
#pragma once

#include <QList>
#include <QWidget>

#include <memory>

#include "analysis/analysisresult.h"
#include "compress/plan.h"
#include "plan/planbinding.h"
#include "plot/axismapping.h"

class QComboBox;
class QCustomPlot;
class QCPItemStraightLine;
class QLabel;
class QListWidget;
class QMouseEvent;

namespace flatslice::ui {

class HintPanel;
class PlanDocument;

class SpectraView : public QWidget {
    Q_OBJECT
public:
    enum class Signal { AttentionInput, MlpInput };

    explicit SpectraView(QWidget* parent = nullptr);

    void setSession(std::shared_ptr<const core::AnalysisResult> session); // null clears
    // Follows `document`: draws its plan now and on every planChanged(), and sends this view's edits to its commands. A
    // second call rebinds.
    void setPlanDocument(PlanDocument* document);
    // Draws `plan` (what setPlanDocument calls; a view without a document is drawn this way).
    void setPlan(const core::Plan& plan);
    QString hint() const;
    QList<QCustomPlot*> plots() const; // {eigenvalues, cumulative explained variance}

    // Chooses the blocks shown and targeted; an empty list chooses "global".
    void selectBlocks(const QList<qint64>& blocks);
    QList<qint64> selectedBlocks() const; // empty when "global" is chosen
    void setSignal(Signal signal);
    Signal signal() const;
    // The width the keep line stands at (0 without a session).
    qint64 keepWidth() const { return m_width; }
    // The plan's width for what is chosen, or -1 when the plan does not slice it to one width.
    qint64 planWidth() const;
    // Pixel <-> width mapping of plot `index` (0 eigenvalues, 1 cumulative) as laid out now.
    AxisMapping widthAxis(int index) const;
    QString readoutText() const;

Q_SIGNALS:
    void sliceWidthRequested(qint64 layer, qint64 width);

private:
    void rebuild();
    void updateLines();
    void updateReadout();
    void setKeepWidth(qint64 width);
    void onPress(int plotIndex, QMouseEvent* event);
    void onMove(int plotIndex, QMouseEvent* event);
    void onRelease(int plotIndex, QMouseEvent* event);
    const core::Spectrum* spectrum(qint64 block) const;
    qint64 dimension() const;
    qint64 rounding() const;
    qint64 planWidthOf(qint64 block) const;

    std::shared_ptr<const core::AnalysisResult> m_session;
    PlanBinding m_binding;
    core::Plan m_plan;
    HintPanel* m_hint = nullptr;
    QComboBox* m_signal = nullptr;
    QListWidget* m_blocks = nullptr;
    QCustomPlot* m_eigen = nullptr;
    QCustomPlot* m_cumulative = nullptr;
    QCPItemStraightLine* m_keepLines[2] = {nullptr, nullptr};
    QCPItemStraightLine* m_planLines[2] = {nullptr, nullptr};
    QLabel* m_readout = nullptr;
    qint64 m_width = 0;
    bool m_dragging = false;
};

} // namespace flatslice::ui
