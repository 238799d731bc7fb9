// SPDX-License-Identifier: GPL-3.0-or-later
// The plan panel's per-layer slicing table: one row per layer of the COMPRESSED model (Plan::resultLayers order),
// columns: layer, the original blocks it is built from, the residual width entering its attention and entering its
// MLP (SliceGPT widths after rounding, from the current estimate). The two width columns are editable; an edit goes
// to PlanDocument::setLayerDims (one undo step) and the table refreshes from the document's planChanged().
// GUI thread only.
#pragma once

#include <QAbstractTableModel>

#include <vector>

#include "compress/slicewidths.h"

namespace flatslice::ui {

class PlanDocument;

class SliceTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { LayerColumn, BlocksColumn, AttnColumn, MlpColumn, ColumnCount };

    explicit SliceTableModel(PlanDocument* document, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

private:
    void reload();

    PlanDocument* m_document;
    std::vector<std::vector<std::int64_t>> m_sources;
    std::vector<core::LayerWidths> m_widths;
    std::int64_t m_hidden = 0;
};

} // namespace flatslice::ui
