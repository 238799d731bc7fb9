// SPDX-License-Identifier: GPL-3.0-or-later
#include "blockstripgeometry.h"

#include <algorithm>
#include <cmath>

namespace flatslice::ui {

double BlockStripGeometry::cellHeight() const
{
    if (blocks <= 0)
        return 0.0;
    return std::max(0.0, (area.height() - gap * (blocks - 1)) / blocks);
}

QRectF BlockStripGeometry::cellRect(int i) const
{
    if (i < 0 || i >= blocks)
        return {};
    const double h = cellHeight();
    return {area.left(), area.top() + i * (h + gap), area.width(), h};
}

QRectF BlockStripGeometry::gapRect(int i) const
{
    if (i < 0 || i + 1 >= blocks)
        return {};
    const QRectF cell = cellRect(i);
    return {area.left(), cell.bottom(), area.width(), gap};
}

double BlockStripGeometry::gapCentre(int i) const
{
    const QRectF r = gapRect(i);
    return r.isNull() ? 0.0 : r.center().y();
}

BlockStripGeometry::Hit BlockStripGeometry::hitTest(QPointF p) const
{
    if (blocks <= 0 || p.x() < area.left() || p.x() >= area.right() || p.y() < area.top() || p.y() >= area.bottom())
        return {};
    const double h = cellHeight();
    const double pitch = h + gap;
    if (pitch <= 0.0)
        return {};
    const double y = p.y() - area.top();
    // Nearest gap: the one after cell floor(y / pitch), or the one before it.
    const int slot = std::clamp(static_cast<int>(std::floor(y / pitch)), 0, blocks - 1);
    for (const int g : {slot - 1, slot}) {
        if (g < 0 || g + 1 >= blocks)
            continue;
        const double top = g * pitch + h - gapSlop;
        const double bottom = g * pitch + h + gap + gapSlop;
        if (y >= top && y < bottom)
            return {HitKind::Gap, g};
    }
    const double inSlot = y - slot * pitch;
    if (inSlot < h)
        return {HitKind::Cell, slot};
    return {};
}

} // namespace flatslice::ui
