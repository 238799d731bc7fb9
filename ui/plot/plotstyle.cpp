// SPDX-License-Identifier: GPL-3.0-or-later
#include "plotstyle.h"

#include <array>

#include <qcustomplot.h>

namespace flatslice::ui {

QCPAxisRect* PlotStyle::reset(QCustomPlot* plot, const QString& title)
{
    plot->clearPlottables();
    plot->clearItems();
    plot->plotLayout()->clear();
    auto* rect = new QCPAxisRect(plot);
    auto* text = new QCPTextElement(plot, title, QFont(QStringLiteral("DejaVu Sans"), 10, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, text);
    plot->plotLayout()->addElement(1, 0, rect);
    plot->plotLayout()->setRowSpacing(0);
    for (QCPAxis* axis : rect->axes()) {
        axis->setLabelFont(QFont(QStringLiteral("DejaVu Sans"), 9));
        axis->setTickLabelFont(QFont(QStringLiteral("DejaVu Sans"), 8));
    }
    plot->setAutoAddPlottableToLegend(false);
    return rect;
}

QCPLegend* PlotStyle::addLegend(QCPAxisRect* rect, Qt::Alignment alignment)
{
    auto* legend = new QCPLegend;
    rect->insetLayout()->addElement(legend, alignment);
    legend->setLayer(QStringLiteral("legend"));
    legend->setFont(QFont(QStringLiteral("DejaVu Sans"), 8));
    legend->setBrush(QColor(255, 255, 255, 215));
    legend->setBorderPen(QPen(QColor(180, 180, 180)));
    legend->setRowSpacing(0);
    legend->setVisible(true);
    return legend;
}

QCPLegend* PlotStyle::addLegendRow(QCustomPlot* plot)
{
    auto* legend = new QCPLegend;
    plot->plotLayout()->insertRow(1);
    plot->plotLayout()->addElement(1, 0, legend);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
    legend->setLayer(QStringLiteral("legend"));
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend->setFont(QFont(QStringLiteral("DejaVu Sans"), 8));
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setColumnSpacing(16);
    legend->setVisible(true);
    return legend;
}

void PlotStyle::addPlottable(QCPLegend* legend, QCPAbstractPlottable* plottable)
{
    legend->addItem(new QCPPlottableLegendItem(legend, plottable));
}

void PlotStyle::useIntegerTicks(QCPAxis* axis)
{
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    ticker->setTickCount(8);
    axis->setTicker(ticker);
    axis->setNumberFormat(QStringLiteral("f"));
    axis->setNumberPrecision(0);
    axis->setSubTicks(false);
}

QCPColorGradient PlotStyle::gradient(const ColorScale& scale)
{
    QCPColorGradient g;
    g.clearColorStops();
    for (const auto& [position, color] : scale.stops())
        g.setColorStopAt(position, color);
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    g.setLevelCount(512);
    return g;
}

QCPColorMap* PlotStyle::addHeatmap(QCustomPlot* plot, const QVector<double>& values, int rows, int columns,
                                   const ColorScale& scale, const QString& legend, bool rowsDown)
{
    QCPAxisRect* rect = plot->axisRect();
    auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    map->setInterpolate(false);
    map->setTightBoundary(false);
    map->data()->setSize(columns, rows);
    map->data()->setRange(QCPRange(0, std::max(columns - 1, 1)), QCPRange(0, std::max(rows - 1, 1)));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < columns; ++c)
            map->data()->setCell(c, r, values[r * columns + c]);
    auto* legendScale = new QCPColorScale(plot);
    plot->plotLayout()->addElement(1, 1, legendScale);
    legendScale->setType(QCPAxis::atRight);
    legendScale->setBarWidth(12);
    legendScale->axis()->setLabel(legend);
    legendScale->axis()->setLabelFont(QFont(QStringLiteral("DejaVu Sans"), 9));
    legendScale->axis()->setTickLabelFont(QFont(QStringLiteral("DejaVu Sans"), 8));
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (double t : scale.ticks(6))
        ticker->addTick(t, QString::number(t, 'g', 4));
    legendScale->axis()->setTicker(ticker);
    map->setColorScale(legendScale);
    map->setGradient(gradient(scale));
    map->setDataRange(QCPRange(scale.min(), scale.max() > scale.min() ? scale.max() : scale.min() + 1e-12));
    // The legend bar spans the axis rect's height exactly.
    auto* margins = new QCPMarginGroup(plot);
    rect->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
    legendScale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);

    QCPAxis* x = rect->axis(QCPAxis::atBottom);
    QCPAxis* y = rect->axis(QCPAxis::atLeft);
    x->setRange(-0.5, columns - 0.5);
    y->setRange(-0.5, rows - 0.5);
    y->setRangeReversed(rowsDown);
    x->grid()->setVisible(false);
    y->grid()->setVisible(false);
    useIntegerTicks(x);
    useIntegerTicks(y);
    return map;
}

QCPItemRect* PlotStyle::markCells(QCustomPlot* plot, double c0, double r0, double c1, double r1, const QColor& pen,
                                  const QColor& brush, const QString& name)
{
    auto* item = new QCPItemRect(plot);
    item->setObjectName(name);
    item->setClipAxisRect(plot->axisRect());
    item->topLeft->setAxes(plot->axisRect()->axis(QCPAxis::atBottom), plot->axisRect()->axis(QCPAxis::atLeft));
    item->bottomRight->setAxes(plot->axisRect()->axis(QCPAxis::atBottom), plot->axisRect()->axis(QCPAxis::atLeft));
    item->topLeft->setCoords(c0 - 0.5, r0 - 0.5);
    item->bottomRight->setCoords(c1 + 0.5, r1 + 0.5);
    item->setPen(pen == Qt::transparent ? QPen(Qt::NoPen) : QPen(pen, 2));
    item->setBrush(brush == Qt::transparent ? QBrush(Qt::NoBrush) : QBrush(brush));
    item->setSelectable(false);
    return item;
}

QCPItemStraightLine* PlotStyle::verticalLine(QCustomPlot* plot, double x, const QPen& pen)
{
    QCPAxisRect* rect = plot->axisRect();
    auto* line = new QCPItemStraightLine(plot);
    line->setClipAxisRect(rect);
    for (QCPItemPosition* p : {line->point1, line->point2}) {
        p->setAxisRect(rect);
        p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    line->point1->setCoords(x, 0.0);
    line->point2->setCoords(x, 1.0);
    line->setPen(pen);
    line->setSelectable(false);
    return line;
}

AxisMapping PlotStyle::mapping(const QCPAxis* axis)
{
    const double lo = axis->range().lower;
    const double hi = axis->range().upper;
    return AxisMapping{axis->coordToPixel(lo), lo, axis->coordToPixel(hi), hi};
}

QColor PlotStyle::seriesColor(int n)
{
    // Tableau 10.
    static constexpr std::array<QRgb, 10> kColors = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                                     0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
    return QColor(kColors[static_cast<std::size_t>(n) % kColors.size()]);
}

} // namespace flatslice::ui
