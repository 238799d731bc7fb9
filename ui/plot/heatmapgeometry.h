// SPDX-License-Identifier: GPL-3.0-or-later
// Where the cells of a heatmap are on screen. A heatmap of `rows` x `columns` draws cell (row r, column c) centred
// on plot coordinates (key = c, value = r), one unit wide and high, so cell borders sit at half-integers. `x` maps
// the key axis and `y` the value axis (reversed when row 0 is drawn at the top, as a matrix is read).
// Plain value type; thread-safe.
#pragma once

#include <QPointF>

#include <cstdint>
#include <optional>

#include "axismapping.h"

namespace flatslice::ui {

struct HeatmapCell {
    std::int64_t row = 0;
    std::int64_t column = 0;
    bool operator==(const HeatmapCell&) const = default;
};

struct HeatmapGeometry {
    std::int64_t rows = 0;
    std::int64_t columns = 0;
    AxisMapping x; // columns
    AxisMapping y; // rows

    // The cell under a widget pixel, or nothing outside the grid.
    std::optional<HeatmapCell> cellAt(QPointF pixel) const;
    // The widget pixel at the centre of a cell.
    QPointF centreOf(HeatmapCell cell) const;
};

} // namespace flatslice::ui
