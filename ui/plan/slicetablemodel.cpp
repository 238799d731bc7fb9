// SPDX-License-Identifier: GPL-3.0-or-later
#include "slicetablemodel.h"

#include <QStringList>

#include "plandocument.h"

namespace flatslice::ui {

SliceTableModel::SliceTableModel(PlanDocument* document, QObject* parent)
    : QAbstractTableModel(parent), m_document(document)
{
    connect(document, &PlanDocument::planChanged, this, &SliceTableModel::reload);
    reload();
}

void SliceTableModel::reload()
{
    const auto& estimate = m_document->estimate();
    auto sources = estimate ? estimate->layerSources : std::vector<std::vector<std::int64_t>>{};
    auto widths = estimate ? estimate->widths.layers : std::vector<core::LayerWidths>{};
    if (sources.size() != m_sources.size()) {
        beginResetModel();
        m_sources = std::move(sources);
        m_widths = std::move(widths);
        m_hidden = m_document->hasModel() ? m_document->config().hiddenSize : 0;
        endResetModel();
        return;
    }
    m_sources = std::move(sources);
    m_widths = std::move(widths);
    m_hidden = m_document->hasModel() ? m_document->config().hiddenSize : 0;
    if (!m_sources.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int SliceTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_sources.size());
}

int SliceTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SliceTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const auto row = static_cast<std::size_t>(index.row());
    const core::LayerWidths w = row < m_widths.size() ? m_widths[row] : core::LayerWidths{};
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (index.column()) {
        case LayerColumn: return index.row();
        case BlocksColumn: {
            QStringList blocks;
            for (const std::int64_t b : m_sources[row])
                blocks << QString::number(b);
            return blocks.join(QLatin1Char('+'));
        }
        case AttnColumn: return static_cast<qlonglong>(w.in);
        case MlpColumn: return static_cast<qlonglong>(w.mid);
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == BlocksColumn && m_sources[row].size() > 1)
            return tr("Flattened from blocks %1 into one layer").arg(data(index).toString());
        if (index.column() == AttnColumn || index.column() == MlpColumn)
            return tr("Residual width entering the %1 (of %2); edit to slice this layer on its own")
                .arg(index.column() == AttnColumn ? tr("attention") : tr("MLP"))
                .arg(m_hidden);
    }
    if (role == Qt::TextAlignmentRole && index.column() != BlocksColumn)
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    return {};
}

QVariant SliceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case LayerColumn: return tr("Layer");
    case BlocksColumn: return tr("Blocks");
    case AttnColumn: return tr("Attn");
    case MlpColumn: return tr("MLP");
    default: return {};
    }
}

Qt::ItemFlags SliceTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && (index.column() == AttnColumn || index.column() == MlpColumn))
        f |= Qt::ItemIsEditable;
    return f;
}

bool SliceTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !index.isValid() || index.row() >= rowCount() ||
        (index.column() != AttnColumn && index.column() != MlpColumn))
        return false;
    bool ok = false;
    const qlonglong width = value.toLongLong(&ok);
    if (!ok || width <= 0)
        return false;
    const auto row = static_cast<std::size_t>(index.row());
    core::SliceDims dims{m_widths[row].in, m_widths[row].mid};
    (index.column() == AttnColumn ? dims.attn : dims.mlp) = width;
    m_document->setLayerDims(index.row(), dims);
    return true;
}

} // namespace flatslice::ui
