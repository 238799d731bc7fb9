// SPDX-License-Identifier: GPL-3.0-or-later
#include "heatmapgeometry.h"

namespace flatslice::ui {

std::optional<HeatmapCell> HeatmapGeometry::cellAt(QPointF pixel) const
{
    const std::int64_t column = x.nearestIndex(pixel.x(), columns);
    const std::int64_t row = y.nearestIndex(pixel.y(), rows);
    if (column < 0 || row < 0)
        return std::nullopt;
    return HeatmapCell{row, column};
}

QPointF HeatmapGeometry::centreOf(HeatmapCell cell) const
{
    return {x.toPixel(static_cast<double>(cell.column)), y.toPixel(static_cast<double>(cell.row))};
}

} // namespace flatslice::ui
