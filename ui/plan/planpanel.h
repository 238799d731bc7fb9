// SPDX-License-Identifier: GPL-3.0-or-later
// The right dock: the plan being edited and what it will cost. Lists the flatten groups and dropped blocks
// (select + Delete or the Remove button removes one), the global SliceGPT slider (0 .. 50% of the hidden size)
// with its rounding, the per-layer width table (SliceTableModel, editable), live estimates from core::estimate
// (parameters, FLOPs per token, weight memory, KV cache, expected speedup) and the estimator's warnings, all
// refreshed on every planChanged(). "Suggest" asks for a plan from the session (a target share of blocks removed
// by flattening pairs or by dropping). Every edit goes through the PlanDocument given to setPlanDocument, so it is
// one undo step; without a document the panel shows "No model".
// GUI thread only.
#pragma once

#include "planbinding.h"
#include <QWidget>

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableView;

namespace flatslice::ui {

class PlanDocument;
class SliceTableModel;

class PlanPanel : public QWidget {
    Q_OBJECT
public:
    explicit PlanPanel(QWidget* parent = nullptr);

    // Follows `document`: refreshes now and on every planChanged(); every control edits through its commands.
    // A second call rebinds.
    void setPlanDocument(PlanDocument* document);

    // Enables "Suggest" (it needs an analysis).
    void setSuggestEnabled(bool enabled);
    QSlider* sliceSlider() const { return m_slider; }
    QLabel* estimateLabel() const { return m_estimate; }
    SliceTableModel* sliceModel() const { return m_sliceModel; }

Q_SIGNALS:
    // blockShare: fraction of the blocks to remove; drop: ShortGPT drops instead of FlattenGPT pairs.
    void suggestRequested(double blockShare, bool drop);
    void loadRequested();
    void saveRequested();

private:
    void refresh();

    PlanBinding m_binding;
    QListWidget* m_flatten = nullptr;
    QListWidget* m_drop = nullptr;
    QSlider* m_slider = nullptr;
    QLabel* m_sliceLabel = nullptr;
    QComboBox* m_rounding = nullptr;
    QTableView* m_table = nullptr;
    SliceTableModel* m_sliceModel = nullptr;
    QLabel* m_estimate = nullptr;
    QLabel* m_warnings = nullptr;
    QSpinBox* m_share = nullptr;
    QComboBox* m_method = nullptr;
    QPushButton* m_suggest = nullptr;
};

} // namespace flatslice::ui
