// SPDX-License-Identifier: GPL-3.0-or-later
#include "axismapping.h"

#include <cmath>

namespace flatslice::ui {

double AxisMapping::toCoord(double pixel) const
{
    return coord0 + (pixel - pixel0) * (coord1 - coord0) / (pixel1 - pixel0);
}

double AxisMapping::toPixel(double coord) const
{
    return pixel0 + (coord - coord0) * (pixel1 - pixel0) / (coord1 - coord0);
}

std::int64_t AxisMapping::nearestIndex(double pixel, std::int64_t count) const
{
    const double coord = toCoord(pixel);
    if (!std::isfinite(coord))
        return -1;
    const auto index = static_cast<std::int64_t>(std::floor(coord + 0.5));
    return index >= 0 && index < count ? index : -1;
}

} // namespace flatslice::ui
