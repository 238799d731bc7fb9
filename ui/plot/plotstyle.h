// SPDX-License-Identifier: GPL-3.0-or-later
// Shared look and plumbing of the views' plots: fonts, titles, integer tickers, colour maps painted with a
// ColorScale, and the AxisMapping of a live axis. Free of state; GUI thread only.
#pragma once

#include <QColor>
#include <QString>
#include <QVector>
#include <Qt>

#include "axismapping.h"
#include "colorscale.h"

class QCustomPlot;
class QCPAxis;
class QCPAbstractPlottable;
class QCPAxisRect;
class QCPLegend;
class QCPColorGradient;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPItemStraightLine;
class QPen;

namespace flatslice::ui {

class PlotStyle {
public:
    // Clears `plot` and lays it out as a title above one axis rect; returns the axis rect (plot->axisRect()).
    static QCPAxisRect* reset(QCustomPlot* plot, const QString& title);
    // A small legend inside `rect` at `alignment` (reset() removes the plot's default legend); add items with
    // addPlottable().
    static QCPLegend* addLegend(QCPAxisRect* rect, Qt::Alignment alignment);
    // A one-line legend in its own layout row between the title and the axis rect (for plots whose data fill
    // every corner). Only for plots laid out by reset() without a colour scale.
    static QCPLegend* addLegendRow(QCustomPlot* plot);
    static void addPlottable(QCPLegend* legend, QCPAbstractPlottable* plottable);
    // Integer ticks (0, 1, 2, ... thinned to multiples of 1, 2, 5, 10 ... so labels never crowd).
    static void useIntegerTicks(QCPAxis* axis);
    // A gradient that paints exactly what `scale` maps (its stops), with `scale`'s range on the data side.
    static QCPColorGradient gradient(const ColorScale& scale);
    // A crisp (non-interpolated) colour map of `rows` x `columns` on the rect's bottom/left axes, cell (r, c)
    // centred on (c, r), with a colour-scale legend to the right of the rect labelled `legend`. `values` is
    // row-major. `rowsDown` draws row 0 at the top (a matrix's orientation).
    static QCPColorMap* addHeatmap(QCustomPlot* plot, const QVector<double>& values, int rows, int columns,
                                   const ColorScale& scale, const QString& legend, bool rowsDown);
    // An outline or a translucent fill over cells [c0, c1] x [r0, r1] of a heatmap (inclusive, plot coordinates).
    static QCPItemRect* markCells(QCustomPlot* plot, double c0, double r0, double c1, double r1, const QColor& pen,
                                  const QColor& brush, const QString& name);
    // A vertical line at key `x` of the plot's (first) axis rect, spanning its height whatever the value axis.
    static QCPItemStraightLine* verticalLine(QCustomPlot* plot, double x, const QPen& pen);
    // The pixel <-> coordinate mapping of `axis` as currently laid out.
    static AxisMapping mapping(const QCPAxis* axis);
    // A qualitative colour for the n-th series of an overlay (cycles through 10).
    static QColor seriesColor(int n);
};

} // namespace flatslice::ui
