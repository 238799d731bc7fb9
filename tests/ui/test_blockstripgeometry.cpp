// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include "views/blockstripgeometry.h"

using flatslice::ui::BlockStripGeometry;
using Kind = BlockStripGeometry::HitKind;

namespace {
// 10 blocks in 100 x 436 px at (10, 20): cells of 40 px, gaps of 4 px, pitch 44.
BlockStripGeometry tenBlocks()
{
    BlockStripGeometry g;
    g.area = QRectF(10, 20, 100, 436);
    g.blocks = 10;
    g.gap = 4;
    g.gapSlop = 3;
    return g;
}
} // namespace

TEST(BlockStripGeometry, CellsAreEqualAndSeparatedByGaps)
{
    const auto g = tenBlocks();
    EXPECT_DOUBLE_EQ(g.cellHeight(), 40.0);
    EXPECT_EQ(g.cellRect(0), QRectF(10, 20, 100, 40));
    EXPECT_EQ(g.cellRect(9), QRectF(10, 20 + 9 * 44, 100, 40));
    EXPECT_EQ(g.gapRect(0), QRectF(10, 60, 100, 4));
    EXPECT_DOUBLE_EQ(g.gapCentre(3), 20 + 3 * 44 + 40 + 2);
    EXPECT_TRUE(g.cellRect(10).isNull());
    EXPECT_TRUE(g.gapRect(9).isNull()) << "no gap after the last block";
}

TEST(BlockStripGeometry, HitsCellsInTheirMiddleAndGapsWithSlop)
{
    const auto g = tenBlocks();
    EXPECT_EQ(g.hitTest({50, 40}), (BlockStripGeometry::Hit{Kind::Cell, 0}));
    EXPECT_EQ(g.hitTest({50, 20 + 5 * 44 + 20}), (BlockStripGeometry::Hit{Kind::Cell, 5}));
    EXPECT_EQ(g.hitTest({50, 62}), (BlockStripGeometry::Hit{Kind::Gap, 0}));
    // Slop: 2 px above the gap (inside cell 0) and 2 px below it (inside cell 1) still hit the gap.
    EXPECT_EQ(g.hitTest({50, 58}), (BlockStripGeometry::Hit{Kind::Gap, 0}));
    EXPECT_EQ(g.hitTest({50, 65}), (BlockStripGeometry::Hit{Kind::Gap, 0}));
    // Just outside the slop.
    EXPECT_EQ(g.hitTest({50, 56.9}), (BlockStripGeometry::Hit{Kind::Cell, 0}));
    EXPECT_EQ(g.hitTest({50, 67.1}), (BlockStripGeometry::Hit{Kind::Cell, 1}));
}

TEST(BlockStripGeometry, EveryGapCentreHitsItsGap)
{
    const auto g = tenBlocks();
    for (int i = 0; i + 1 < g.blocks; ++i)
        EXPECT_EQ(g.hitTest({50, g.gapCentre(i)}), (BlockStripGeometry::Hit{Kind::Gap, i})) << i;
    for (int i = 0; i < g.blocks; ++i)
        EXPECT_EQ(g.hitTest(g.cellRect(i).center()), (BlockStripGeometry::Hit{Kind::Cell, i})) << i;
}

TEST(BlockStripGeometry, NoGapBeforeTheFirstOrAfterTheLastBlock)
{
    const auto g = tenBlocks();
    EXPECT_EQ(g.hitTest({50, 21}), (BlockStripGeometry::Hit{Kind::Cell, 0}));
    EXPECT_EQ(g.hitTest({50, 455}), (BlockStripGeometry::Hit{Kind::Cell, 9}));
}

TEST(BlockStripGeometry, OutsideTheAreaOrWithoutBlocksHitsNothing)
{
    auto g = tenBlocks();
    EXPECT_EQ(g.hitTest({5, 40}).kind, Kind::None);
    EXPECT_EQ(g.hitTest({111, 40}).kind, Kind::None);
    EXPECT_EQ(g.hitTest({50, 19}).kind, Kind::None);
    EXPECT_EQ(g.hitTest({50, 456}).kind, Kind::None);
    g.blocks = 0;
    EXPECT_EQ(g.hitTest({50, 40}).kind, Kind::None);
    EXPECT_DOUBLE_EQ(g.cellHeight(), 0.0);
}
