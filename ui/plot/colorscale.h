// SPDX-License-Identifier: GPL-3.0-or-later
// A colour scale for heatmaps: maps a value in [min, max] to a colour of a named palette and proposes "nice"
// legend ticks. Plain value type (no QCustomPlot), so the colours a view paints can be tested exactly.
//
// Palettes are piecewise linear in RGB between fixed stops at equal spacing:
//   "viridis"  (sequential, perceptually ordered; default for similarities and scores)
//   "magma"    (sequential, dark to light)
//   "coolwarm" (diverging, blue - white - red; for values centred on a midpoint)
// Values outside [min, max] clamp to the end colours; NaN maps to a neutral grey. A degenerate range (min == max)
// maps everything to the middle of the palette. Thread-safe (immutable after construction).
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>
#include <QVector>

namespace flatslice::ui {

class ColorScale {
public:
    // Unknown palette names fall back to "viridis" (isValidPalette() tells them apart).
    explicit ColorScale(const QString& palette = QStringLiteral("viridis"), double min = 0.0, double max = 1.0);

    static QStringList paletteNames();
    static bool isValidPalette(const QString& name);

    QString palette() const { return m_palette; }
    double min() const { return m_min; }
    double max() const { return m_max; }

    // Position of `value` in the range, clamped to [0, 1] (0.5 for a degenerate range; NaN stays NaN).
    double normalized(double value) const;
    QColor color(double value) const;
    // The palette's stops as (position in [0, 1], colour), for building a QCPColorGradient that paints the same.
    QVector<QPair<double, QColor>> stops() const;

    // Legend ticks: the multiples inside [min, max] of the smallest step of 1, 2 or 5 x 10^k that gives at most
    // `maxTicks` (>= 2) of them. Ascending; each tick is computed once from its multiple (0.3 is the double 0.3,
    // not 0.1 + 0.1 + 0.1). A degenerate range gives the single tick min.
    QVector<double> ticks(int maxTicks = 6) const;
    // The step ticks() uses.
    double tickStep(int maxTicks = 6) const;

private:
    QString m_palette;
    double m_min;
    double m_max;
};

} // namespace flatslice::ui
