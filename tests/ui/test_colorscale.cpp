// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include <cmath>

#include "plot/colorscale.h"

using flatslice::ui::ColorScale;

TEST(ColorScale, EndsAndStopsAreThePaletteColoursExactly)
{
    const ColorScale viridis(QStringLiteral("viridis"), 0.0, 4.0);
    EXPECT_EQ(viridis.color(0.0), QColor(0x44, 0x01, 0x54));
    EXPECT_EQ(viridis.color(1.0), QColor(0x3b, 0x52, 0x8b));
    EXPECT_EQ(viridis.color(2.0), QColor(0x21, 0x91, 0x8c));
    EXPECT_EQ(viridis.color(4.0), QColor(0xfd, 0xe7, 0x25));
    const ColorScale coolwarm(QStringLiteral("coolwarm"), -1.0, 1.0);
    EXPECT_EQ(coolwarm.color(0.0), QColor(0xdd, 0xdd, 0xdd));
}

TEST(ColorScale, InterpolatesLinearlyBetweenStopsInRgb)
{
    const ColorScale magma(QStringLiteral("magma"), 0.0, 1.0);
    // Halfway between stop 0 (0x000004) and stop 1 (0x51127c): (40.5, 9, 64) rounded half away from zero.
    EXPECT_EQ(magma.color(0.125), QColor(41, 9, 64));
}

TEST(ColorScale, ClampsOutOfRangeAndGreysNan)
{
    const ColorScale scale(QStringLiteral("viridis"), 0.5, 1.0);
    EXPECT_EQ(scale.color(-3.0), scale.color(0.5));
    EXPECT_EQ(scale.color(7.0), scale.color(1.0));
    EXPECT_EQ(scale.color(std::nan("")), QColor(160, 160, 160));
    EXPECT_DOUBLE_EQ(scale.normalized(0.75), 0.5);
}

TEST(ColorScale, DegenerateRangeMapsToTheMiddleAndSwappedEndsAreOrdered)
{
    const ColorScale flat(QStringLiteral("viridis"), 2.0, 2.0);
    EXPECT_EQ(flat.color(2.0), QColor(0x21, 0x91, 0x8c));
    EXPECT_EQ(flat.ticks(), QVector<double>{2.0});
    const ColorScale swapped(QStringLiteral("viridis"), 1.0, 0.0);
    EXPECT_EQ(swapped.min(), 0.0);
    EXPECT_EQ(swapped.max(), 1.0);
}

TEST(ColorScale, UnknownPaletteFallsBackToViridis)
{
    EXPECT_FALSE(ColorScale::isValidPalette(QStringLiteral("jet")));
    EXPECT_TRUE(ColorScale::isValidPalette(QStringLiteral("magma")));
    EXPECT_EQ(ColorScale(QStringLiteral("jet")).palette(), QStringLiteral("viridis"));
    EXPECT_EQ(ColorScale::paletteNames(),
              QStringList({QStringLiteral("viridis"), QStringLiteral("magma"), QStringLiteral("coolwarm")}));
}

TEST(ColorScale, StopsArePositionedEvenly)
{
    const auto stops = ColorScale(QStringLiteral("viridis")).stops();
    ASSERT_EQ(stops.size(), 5);
    EXPECT_EQ(stops[1].first, 0.25);
    EXPECT_EQ(stops[4].second, QColor(0xfd, 0xe7, 0x25));
}

TEST(ColorScale, TicksAreNiceExactMultiples)
{
    EXPECT_EQ(ColorScale(QStringLiteral("viridis"), 0.0, 1.0).ticks(6),
              QVector<double>({0.0, 0.2, 0.4, 0.6, 0.8, 1.0}));
    EXPECT_EQ(ColorScale(QStringLiteral("viridis"), 0.0, 1.0).ticks(11),
              QVector<double>({0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}));
    // A cosine heatmap's typical range.
    EXPECT_EQ(ColorScale(QStringLiteral("viridis"), 0.9312, 1.0).ticks(6), QVector<double>({0.94, 0.96, 0.98, 1.0}));
    EXPECT_EQ(ColorScale(QStringLiteral("viridis"), 0.9312, 1.0).tickStep(6), 0.02);
    EXPECT_EQ(ColorScale(QStringLiteral("viridis"), -3.0, 47.0).ticks(6),
              QVector<double>({0.0, 10.0, 20.0, 30.0, 40.0}));
    EXPECT_EQ(ColorScale(QStringLiteral("viridis"), 120.0, 980.0).ticks(5),
              QVector<double>({200.0, 400.0, 600.0, 800.0}));
}
