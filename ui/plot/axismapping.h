// SPDX-License-Identifier: GPL-3.0-or-later
// Linear pixel <-> plot-coordinate mapping of one axis, defined by two pixels and the coordinates they show.
// Views build it from a live QCPAxis (coordToPixel of the range ends) and tests use the same struct to find the
// pixel of a cell, a block or a width, so a click in a test lands where a person's would. Reversed axes (a
// heatmap's rows growing downwards) are just pixel1 < pixel0. Plain value type; thread-safe.
#pragma once

#include <cstdint>

namespace flatslice::ui {

struct AxisMapping {
    double pixel0 = 0.0, coord0 = 0.0; // pixel that shows coord0
    double pixel1 = 1.0, coord1 = 1.0; // pixel that shows coord1 (pixel1 != pixel0)

    double toCoord(double pixel) const;
    double toPixel(double coord) const;
    // The integer index nearest to the coordinate under `pixel` (a block on a curve, a cell of a heatmap), or -1
    // when it falls outside [0, count).
    std::int64_t nearestIndex(double pixel, std::int64_t count) const;
};

} // namespace flatslice::ui
