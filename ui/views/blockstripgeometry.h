// SPDX-License-Identifier: GPL-3.0-or-later
// The pixel <-> block arithmetic of the BlockStrip, as a plain value type so that it can be tested without a widget.
//
// Layout (vertical, top to bottom): block 0 at the top. The strip's content rectangle is split into `blocks` cells
// of equal height separated by gaps of `gap` pixels. A press inside a cell hits that block; a press inside a gap, or
// within `gapSlop` pixels of one, hits the gap between blocks (i, i + 1) - the flatten-pair toggle. Hit testing is
// exact at the boundaries: y in [cellTop(i), cellTop(i) + cellHeight) is the cell, everything between two cells is
// the gap. Units are logical pixels.
#pragma once

#include <QPointF>
#include <QRectF>

namespace flatslice::ui {

struct BlockStripGeometry {
    enum class HitKind { None, Cell, Gap };
    struct Hit {
        HitKind kind = HitKind::None;
        int index = -1; // block for Cell, first block of the pair for Gap
        bool operator==(const Hit&) const = default;
    };

    QRectF area; // where the cells go (widget rect minus margins and the footer)
    int blocks = 0;
    double gap = 4.0;     // pixels between cells
    double gapSlop = 3.0; // extra pixels on each side of a gap that still count as the gap

    // Height of one cell (>= 0; 0 when there are no blocks or no room).
    double cellHeight() const;
    // Rectangle of block `i`'s cell (empty for an index out of range).
    QRectF cellRect(int i) const;
    // The gap rectangle between blocks i and i + 1 (empty when out of range).
    QRectF gapRect(int i) const;
    // Centre of the gap between blocks i and i + 1 (where the flatten bracket is drawn).
    double gapCentre(int i) const;
    // What a press at `p` hits; the slop around gaps wins over the cells' edges.
    Hit hitTest(QPointF p) const;
};

} // namespace flatslice::ui
