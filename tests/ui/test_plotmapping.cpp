// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include "plot/axismapping.h"
#include "plot/explainedvariance.h"
#include "plot/heatmapgeometry.h"

using namespace flatslice::ui;

TEST(AxisMapping, MapsBothWaysIncludingReversedAxes)
{
    const AxisMapping x{100.0, 0.0, 500.0, 10.0}; // 40 px per unit
    EXPECT_DOUBLE_EQ(x.toCoord(300.0), 5.0);
    EXPECT_DOUBLE_EQ(x.toPixel(2.5), 200.0);
    const AxisMapping down{20.0, -0.5, 220.0, 9.5}; // rows grow downwards, 20 px per row
    EXPECT_DOUBLE_EQ(down.toPixel(0.0), 30.0);
    const AxisMapping up{220.0, -0.5, 20.0, 9.5}; // rows grow upwards
    EXPECT_DOUBLE_EQ(up.toPixel(0.0), 210.0);
    EXPECT_DOUBLE_EQ(up.toCoord(up.toPixel(7.25)), 7.25);
}

TEST(AxisMapping, NearestIndexRoundsHalfUpAndRejectsOutside)
{
    const AxisMapping x{0.0, -0.5, 100.0, 9.5}; // 10 px per index, index k centred at 10k + 5
    EXPECT_EQ(x.nearestIndex(5.0, 10), 0);
    EXPECT_EQ(x.nearestIndex(9.9, 10), 0);
    EXPECT_EQ(x.nearestIndex(10.0, 10), 1); // the border belongs to the higher index
    EXPECT_EQ(x.nearestIndex(24.9, 10), 2);
    EXPECT_EQ(x.nearestIndex(99.0, 10), 9);
    EXPECT_EQ(x.nearestIndex(-1.0, 10), -1);
    EXPECT_EQ(x.nearestIndex(101.0, 10), -1);
    EXPECT_EQ(x.nearestIndex(55.0, 5), -1); // index 5 of a 5-block curve
}

TEST(HeatmapGeometry, FindsCellsOfARowsDownMatrix)
{
    HeatmapGeometry g;
    g.rows = 3;
    g.columns = 4;
    g.x = AxisMapping{50.0, -0.5, 450.0, 3.5}; // 100 px per column
    g.y = AxisMapping{10.0, -0.5, 310.0, 2.5}; // 100 px per row, row 0 at the top
    EXPECT_EQ(g.cellAt({60.0, 20.0}), (HeatmapCell{0, 0}));
    EXPECT_EQ(g.cellAt({449.0, 309.0}), (HeatmapCell{2, 3}));
    EXPECT_EQ(g.cellAt({260.0, 120.0}), (HeatmapCell{1, 2}));
    EXPECT_FALSE(g.cellAt({40.0, 20.0}).has_value());
    EXPECT_FALSE(g.cellAt({60.0, 311.0}).has_value());
    EXPECT_EQ(g.centreOf({1, 2}), QPointF(300.0, 160.0));
    EXPECT_EQ(g.cellAt(g.centreOf({2, 1})), (HeatmapCell{2, 1}));
}

TEST(ExplainedVariance, CumulativeFractionsOfDescendingEigenvalues)
{
    const ExplainedVariance ev({4.0, 2.0, 1.0, 1.0});
    EXPECT_EQ(ev.dimension(), 4);
    EXPECT_EQ(ev.cumulative(), (std::vector<double>{0.0, 0.5, 0.75, 0.875, 1.0}));
    EXPECT_EQ(ev.fractionAt(2), 0.75);
    EXPECT_EQ(ev.fractionAt(-3), 0.0);
    EXPECT_EQ(ev.fractionAt(99), 1.0);
}

TEST(ExplainedVariance, WidthForAFractionIsTheSmallestWidthReachingIt)
{
    const ExplainedVariance ev({4.0, 2.0, 1.0, 1.0});
    EXPECT_EQ(ev.widthFor(0.5), 1); // reached exactly
    EXPECT_EQ(ev.widthFor(0.51), 2);
    EXPECT_EQ(ev.widthFor(0.9), 4);
    EXPECT_EQ(ev.widthFor(0.0), 0);
    EXPECT_EQ(ev.widthFor(1.5), 4);
}

TEST(ExplainedVariance, NegativeRoundingNoiseCountsAsZeroLikeCore)
{
    const ExplainedVariance ev({3.0, 1.0, -1e-12});
    EXPECT_EQ(ev.fractionAt(1), 0.75);
    EXPECT_EQ(ev.fractionAt(2), 1.0);
    EXPECT_EQ(ev.widthFor(0.99), 2);
    const ExplainedVariance empty;
    EXPECT_TRUE(empty.isEmpty());
    EXPECT_EQ(empty.fractionAt(3), 0.0);
}

TEST(ExplainedVariance, SnapWidthRoundsToTheNearestMultipleInsideTheRange)
{
    EXPECT_EQ(ExplainedVariance::snapWidth(401.0, 576, 8), 400);
    EXPECT_EQ(ExplainedVariance::snapWidth(404.0, 576, 8), 408); // half rounds away from zero
    EXPECT_EQ(ExplainedVariance::snapWidth(-20.0, 576, 8), 8);
    EXPECT_EQ(ExplainedVariance::snapWidth(700.0, 576, 8), 576);
    EXPECT_EQ(ExplainedVariance::snapWidth(700.0, 100, 8), 96); // largest multiple below D
    EXPECT_EQ(ExplainedVariance::snapWidth(3.4, 6, 8), 3);      // D < rounding: any width
    EXPECT_EQ(ExplainedVariance::snapWidth(37.0, 64, 1), 37);
    EXPECT_EQ(ExplainedVariance::snapWidth(5.0, 0, 8), 0);
}
