// SPDX-License-Identifier: GPL-3.0-or-later
#include "similarityview.h"

#include <QLabel>
#include <QMouseEvent>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include "hintpanel.h"
#include "plan/plandocument.h"
#include "plot/colorscale.h"
#include "plot/plotstyle.h"

namespace flatslice::ui {

namespace {

const QString kFlattenMark = QStringLiteral("flatten-mark");
const QString kDropMark = QStringLiteral("drop-mark");
const QColor kFlattenColor(0x2e, 0x7d, 0x32);
const QColor kDropColor(0xc6, 0x28, 0x28);

void removeItemsNamed(QCustomPlot* plot, const QStringList& names)
{
    for (int i = plot->itemCount() - 1; i >= 0; --i)
        if (names.contains(plot->item(i)->objectName()))
            plot->removeItem(i);
}

QCPItemRect* shadeBlocks(QCustomPlot* plot, double first, double last, const QColor& color, const QString& name)
{
    auto* item = new QCPItemRect(plot);
    item->setObjectName(name);
    item->setLayer(QStringLiteral("background"));
    item->setClipAxisRect(plot->axisRect());
    for (QCPItemPosition* p : {item->topLeft, item->bottomRight}) {
        p->setAxisRect(plot->axisRect());
        p->setAxes(plot->axisRect()->axis(QCPAxis::atBottom), plot->axisRect()->axis(QCPAxis::atLeft));
        p->setTypeX(QCPItemPosition::ptPlotCoords);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    item->topLeft->setCoords(first - 0.45, 0.0);
    item->bottomRight->setCoords(last + 0.45, 1.0);
    item->setPen(Qt::NoPen);
    QColor fill = color;
    fill.setAlpha(name == kDropMark ? 150 : 45);
    item->setBrush(name == kDropMark ? QBrush(fill, Qt::BDiagPattern) : QBrush(fill));
    item->setSelectable(false);
    return item;
}

} // namespace

SimilarityView::SimilarityView(QWidget* parent)
    : QWidget(parent), m_binding(
                           this, [this](const core::Plan& plan) { setPlan(plan); },
                           [this](PlanDocument* d) {
                               connect(this, &SimilarityView::flattenPairToggled, d, &PlanDocument::toggleFlattenPair);
                           })
{
    auto* layout = new QVBoxLayout(this);
    m_hint = new HintPanel(hint());
    layout->addWidget(m_hint);
    auto* splitter = new QSplitter(Qt::Horizontal);
    m_curve = new QCustomPlot;
    m_curve->setObjectName(QStringLiteral("similarity-curve"));
    m_heatmap = new QCustomPlot;
    m_heatmap->setObjectName(QStringLiteral("similarity-heatmap"));
    for (QCustomPlot* plot : {m_curve, m_heatmap}) {
        plot->setMouseTracking(true);
        plot->setMinimumSize(280, 240);
        splitter->addWidget(plot);
    }
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter, 1);
    m_status = new QLabel;
    m_status->setTextFormat(Qt::PlainText);
    layout->addWidget(m_status);

    connect(m_curve, &QCustomPlot::mouseMove, this, &SimilarityView::onCurveMove);
    connect(m_curve, &QCustomPlot::mousePress, this, &SimilarityView::onCurvePress);
    connect(m_heatmap, &QCustomPlot::mouseMove, this, &SimilarityView::onHeatmapMove);
    connect(m_heatmap, &QCustomPlot::mousePress, this, &SimilarityView::onHeatmapPress);
    rebuild();
}

QString SimilarityView::hint() const
{
    return tr("<b>What am I looking at?</b> How much each block changes the residual stream. <b>Left:</b> the "
              "cosine between what enters block i and what leaves it (line, left axis; near 1 = the block barely "
              "changes anything) and ShortGPT's Block Influence 1 - cos (bars, right axis). The point at i is also "
              "FlattenGPT's score for the pair (i, i+1): the more alike the two blocks' inputs, the less is lost by "
              "running them side by side as one block. <b>Right:</b> the cosine between every two depths (depth d "
              "enters block d); bright squares along the diagonal are runs of redundant blocks. Click a point or a "
              "cell next to the diagonal to add or remove that pair from the plan; shaded = flattened, hatched = "
              "dropped.");
}

QList<QCustomPlot*> SimilarityView::plots() const
{
    return {m_curve, m_heatmap};
}

qint64 SimilarityView::blockCount() const
{
    return m_session ? static_cast<qint64>(m_session->blocks.size()) : 0;
}

void SimilarityView::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    rebuild();
}

void SimilarityView::setPlanDocument(PlanDocument* document)
{
    m_binding.bind(document);
}

void SimilarityView::setPlan(const core::Plan& plan)
{
    m_plan = plan;
    drawPlanMarks();
}

void SimilarityView::rebuild()
{
    m_status->clear();
    QCPAxisRect* curveRect = PlotStyle::reset(m_curve, tr("Adjacent blocks: cos(input, output) and Block Influence"));
    PlotStyle::reset(m_heatmap, tr("Any-to-any cosine between depths"));
    const qint64 blocks = blockCount();
    if (blocks == 0) {
        m_curve->replot();
        m_heatmap->replot();
        return;
    }

    // Curve: cos(in, out) per block (line + points, left axis), BI as bars on the right axis.
    QVector<double> keys, cosines, influence;
    for (qint64 i = 0; i < blocks; ++i) {
        const core::BlockAnalysis& b = m_session->blocks[static_cast<std::size_t>(i)];
        keys << static_cast<double>(i);
        cosines << b.cosInOut;
        influence << b.blockInfluence;
    }
    QCPAxis* x = curveRect->axis(QCPAxis::atBottom);
    QCPAxis* yCos = curveRect->axis(QCPAxis::atLeft);
    QCPAxis* yBi = curveRect->axis(QCPAxis::atRight);
    yBi->setVisible(true);
    yBi->setTickLabels(true);
    auto* bars = new QCPBars(x, yBi);
    bars->setName(tr("Block Influence (1 - cos), right axis"));
    bars->setData(keys, influence, true);
    bars->setWidth(0.6);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(0xf2, 0x8e, 0x2b, 110));
    auto* line = new QCPGraph(x, yCos);
    line->setName(tr("cos(input, output) = pair (i, i+1) score"));
    line->setData(keys, cosines, true);
    line->setPen(QPen(QColor(0x1f, 0x4e, 0x79), 2));
    line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(0x1f, 0x4e, 0x79), Qt::white, 6));
    x->setLabel(tr("block i  (point i = pair i, i+1)"));
    yCos->setLabel(tr("cos(input, output)"));
    yBi->setLabel(tr("Block Influence"));
    x->setRange(-0.6, static_cast<double>(blocks) - 0.4);
    PlotStyle::useIntegerTicks(x);
    const auto [lo, hi] = std::minmax_element(cosines.begin(), cosines.end());
    const double span = std::max(*hi - *lo, 0.02);
    yCos->setRange(*lo - 0.08 * span, std::min(*hi + 0.12 * span, 1.0 + 0.12 * span));
    const double maxBi = *std::max_element(influence.begin(), influence.end());
    yBi->setRange(0.0, maxBi > 0.0 ? maxBi * 1.15 : 1.0);
    QCPLegend* legend = PlotStyle::addLegendRow(m_curve);
    PlotStyle::addPlottable(legend, line);
    PlotStyle::addPlottable(legend, bars);

    // Heatmap: (L + 1) x (L + 1) depths, row 0 at the top.
    const auto depths = static_cast<int>(m_session->depths());
    if (static_cast<qint64>(m_session->anyToAny.size()) == static_cast<qint64>(depths) * depths) {
        QVector<double> values(m_session->anyToAny.begin(), m_session->anyToAny.end());
        const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
        const ColorScale scale(QStringLiteral("viridis"), *mn, *mx);
        PlotStyle::addHeatmap(m_heatmap, values, depths, depths, scale, tr("cosine"), true);
        m_heatmap->axisRect()->axis(QCPAxis::atBottom)->setLabel(tr("depth j (enters block j)"));
        m_heatmap->axisRect()->axis(QCPAxis::atLeft)->setLabel(tr("depth i"));
    }
    drawPlanMarks();
}

void SimilarityView::drawPlanMarks()
{
    removeItemsNamed(m_curve, {kFlattenMark, kDropMark});
    removeItemsNamed(m_heatmap, {kFlattenMark, kDropMark});
    const qint64 blocks = blockCount();
    if (blocks > 0) {
        const bool haveHeatmap = m_heatmap->plottableCount() > 0;
        for (const auto& group : m_plan.flatten) {
            if (group.size() < 2 || group.front() < 0 || group.back() >= blocks)
                continue;
            const auto first = static_cast<double>(group.front());
            const auto last = static_cast<double>(group.back());
            shadeBlocks(m_curve, first, last, kFlattenColor, kFlattenMark);
            if (haveHeatmap) {
                // The group's criterion is cos(depth first, depth last): both symmetric cells.
                PlotStyle::markCells(m_heatmap, last, first, last, first, Qt::white, Qt::transparent, kFlattenMark);
                PlotStyle::markCells(m_heatmap, first, last, first, last, Qt::white, Qt::transparent, kFlattenMark);
            }
        }
        for (const std::int64_t d : m_plan.drop) {
            if (d < 0 || d >= blocks)
                continue;
            shadeBlocks(m_curve, static_cast<double>(d), static_cast<double>(d), kDropColor, kDropMark);
            if (haveHeatmap) {
                const auto cell = static_cast<double>(d);
                PlotStyle::markCells(m_heatmap, cell + 1, cell, cell + 1, cell, kDropColor, Qt::transparent, kDropMark);
            }
        }
    }
    m_curve->replot();
    m_heatmap->replot();
}

HeatmapGeometry SimilarityView::heatmapGeometry() const
{
    HeatmapGeometry g;
    if (m_heatmap->plottableCount() == 0)
        return g;
    const auto depths = m_session ? m_session->depths() : 0;
    g.rows = depths;
    g.columns = depths;
    g.x = PlotStyle::mapping(m_heatmap->axisRect()->axis(QCPAxis::atBottom));
    g.y = PlotStyle::mapping(m_heatmap->axisRect()->axis(QCPAxis::atLeft));
    return g;
}

AxisMapping SimilarityView::curveBlockAxis() const
{
    return PlotStyle::mapping(m_curve->axisRect()->axis(QCPAxis::atBottom));
}

QString SimilarityView::statusText() const
{
    return m_status->text();
}

void SimilarityView::onCurveMove(QMouseEvent* event)
{
    const qint64 blocks = blockCount();
    if (blocks == 0 || !m_curve->axisRect()->rect().contains(event->pos()))
        return;
    const std::int64_t i = curveBlockAxis().nearestIndex(event->position().x(), blocks);
    if (i < 0)
        return;
    const core::BlockAnalysis& b = m_session->blocks[static_cast<std::size_t>(i)];
    QString text = tr("block %1: cos(input, output) = %2, Block Influence = %3")
                       .arg(i)
                       .arg(b.cosInOut, 0, 'f', 4)
                       .arg(b.blockInfluence, 0, 'f', 4);
    if (i + 1 < blocks)
        text +=
            tr("; pair (%1, %2) score %3, click to flatten or unflatten").arg(i).arg(i + 1).arg(b.cosInOut, 0, 'f', 4);
    m_status->setText(text);
}

void SimilarityView::onCurvePress(QMouseEvent* event)
{
    const qint64 blocks = blockCount();
    if (blocks < 2 || event->button() != Qt::LeftButton || !m_curve->axisRect()->rect().contains(event->pos()))
        return;
    const std::int64_t i = curveBlockAxis().nearestIndex(event->position().x(), blocks);
    if (i >= 0 && i + 1 < blocks)
        Q_EMIT flattenPairToggled(i);
}

void SimilarityView::onHeatmapMove(QMouseEvent* event)
{
    const auto cell = heatmapGeometry().cellAt(event->position());
    if (!cell || !m_heatmap->axisRect()->rect().contains(event->pos()))
        return;
    const auto depths = m_session->depths();
    const double value = m_session->anyToAny[static_cast<std::size_t>(cell->row * depths + cell->column)];
    QString text = tr("depth %1 vs depth %2: cos = %3").arg(cell->row).arg(cell->column).arg(value, 0, 'f', 4);
    const std::int64_t first = std::min(cell->row, cell->column);
    if (std::abs(cell->row - cell->column) == 1) {
        if (first + 1 < blockCount())
            text += tr(" (pair %1, %2: click to flatten or unflatten)").arg(first).arg(first + 1);
        else
            text += tr(" (the last block's input vs output)");
    }
    m_status->setText(text);
}

void SimilarityView::onHeatmapPress(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_heatmap->axisRect()->rect().contains(event->pos()))
        return;
    const auto cell = heatmapGeometry().cellAt(event->position());
    if (!cell || std::abs(cell->row - cell->column) != 1)
        return;
    const std::int64_t first = std::min(cell->row, cell->column);
    if (first + 1 < blockCount())
        Q_EMIT flattenPairToggled(first);
}

} // namespace flatslice::ui
