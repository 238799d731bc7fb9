// SPDX-License-Identifier: GPL-3.0-or-later
#include "importanceview.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <qcustomplot.h>

#include "compress/flattenpreview.h"
#include "hintpanel.h"
#include "plan/plandocument.h"
#include "plot/colorscale.h"
#include "plot/plotstyle.h"
#include "util/error.h"

namespace flatslice::ui {

namespace {

const QString kFlattenMark = QStringLiteral("flatten-mark");
const QString kDropMark = QStringLiteral("drop-mark");
const QColor kKept(0x2e, 0x7d, 0x32);
const QColor kPruned(0xbd, 0xbd, 0xbd);
const QColor kDropColor(0xc6, 0x28, 0x28);

void removeItemsNamed(QCustomPlot* plot, const QStringList& names)
{
    for (int i = plot->itemCount() - 1; i >= 0; --i)
        if (names.contains(plot->item(i)->objectName()))
            plot->removeItem(i);
}

} // namespace

ImportanceView::ImportanceView(QWidget* parent)
    : QWidget(parent), m_binding(
                           this, [this](const core::Plan& plan) { setPlan(plan); },
                           [this](PlanDocument* d) {
                               connect(this, &ImportanceView::flattenPairToggled, d, &PlanDocument::toggleFlattenPair);
                           })
{
    auto* layout = new QVBoxLayout(this);
    m_hint = new HintPanel(hint());
    layout->addWidget(m_hint);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Head score")));
    m_headScore = new QComboBox;
    m_headScore->addItems({tr("FlattenGPT score"), tr("contribution"), tr("activation norm"), tr("weight norm")});
    controls->addWidget(m_headScore);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Channels of block")));
    m_block = new QSpinBox;
    m_block->setRange(0, 0);
    controls->addWidget(m_block);
    m_channelScore = new QComboBox;
    m_channelScore->addItems({tr("ridge leverage (FlattenGPT)"), tr("activation norm"), tr("weight norm")});
    controls->addWidget(m_channelScore);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Preview pair")));
    m_pair = new QComboBox;
    m_pair->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    controls->addWidget(m_pair);
    m_toggle = new QPushButton(tr("Flatten / unflatten this pair"));
    controls->addWidget(m_toggle);
    controls->addStretch(1);
    layout->addLayout(controls);

    auto* rows = new QSplitter(Qt::Vertical);
    auto* top = new QSplitter(Qt::Horizontal);
    auto* bottom = new QSplitter(Qt::Horizontal);
    m_heads = new QCustomPlot;
    m_heads->setObjectName(QStringLiteral("importance-heads"));
    m_heads->setMouseTracking(true);
    m_channels = new QCustomPlot;
    m_channels->setObjectName(QStringLiteral("importance-channels"));
    m_groups = new QCustomPlot;
    m_groups->setObjectName(QStringLiteral("importance-preview-groups"));
    m_pooled = new QCustomPlot;
    m_pooled->setObjectName(QStringLiteral("importance-preview-channels"));
    for (QCustomPlot* plot : {m_heads, m_channels, m_groups, m_pooled})
        plot->setMinimumSize(260, 180);
    top->addWidget(m_heads);
    top->addWidget(m_channels);
    bottom->addWidget(m_groups);
    bottom->addWidget(m_pooled);
    rows->addWidget(top);
    rows->addWidget(bottom);
    layout->addWidget(rows, 1);
    m_preview = new QLabel;
    m_preview->setWordWrap(true);
    layout->addWidget(m_preview);
    m_status = new QLabel;
    m_status->setTextFormat(Qt::PlainText);
    layout->addWidget(m_status);

    connect(m_headScore, &QComboBox::currentIndexChanged, this, [this] { rebuildHeatmap(); });
    connect(m_channelScore, &QComboBox::currentIndexChanged, this, [this] { rebuildChannels(); });
    connect(m_block, &QSpinBox::valueChanged, this, [this] { rebuildChannels(); });
    connect(m_pair, &QComboBox::activated, this, [this] { m_pairChosen = true; });
    connect(m_pair, &QComboBox::currentIndexChanged, this, [this] { rebuildPreview(); });
    connect(m_toggle, &QPushButton::clicked, this, [this] {
        if (pair() >= 0)
            Q_EMIT flattenPairToggled(pair());
    });
    connect(m_heads, &QCustomPlot::mouseMove, this, &ImportanceView::onHeatmapMove);
    connect(m_heads, &QCustomPlot::mousePress, this, &ImportanceView::onHeatmapPress);
    setSession(nullptr);
}

QString ImportanceView::hint() const
{
    return tr("<b>What am I looking at?</b> Which parts of each block do the work. <b>Top left:</b> one cell per "
              "attention head (row) and block (column), coloured by the chosen score; FlattenGPT keeps the "
              "strongest heads when it merges two blocks. Click a column to see that block's MLP channels. "
              "<b>Top right:</b> the block's MLP channels sorted by importance: a long flat tail means many "
              "channels can go. <b>Bottom:</b> for the chosen pair, what flattening would keep: whole KV groups "
              "(a key/value head with its query heads) by summed head score, and the merged MLP's channels pooled "
              "from both blocks, kept left of the line. The channel split is a preview from each block's own "
              "scores; compression decides on the merged block's statistics.");
}

QList<QCustomPlot*> ImportanceView::plots() const
{
    return {m_heads, m_channels, m_groups, m_pooled};
}

qint64 ImportanceView::blockCount() const
{
    return m_session ? static_cast<qint64>(m_session->blocks.size()) : 0;
}

const std::vector<double>& ImportanceView::headValues(const core::BlockAnalysis& block) const
{
    switch (m_headScore->currentIndex()) {
    case 1: return block.headContribution;
    case 2: return block.headActNorm;
    case 3: return block.headWeightNorm;
    default: return block.headScore;
    }
}

const std::vector<double>& ImportanceView::channelValues(const core::BlockAnalysis& block) const
{
    switch (m_channelScore->currentIndex()) {
    case 1: return block.channelActNorm;
    case 2: return block.channelWeightNorm;
    default: return block.channelScore;
    }
}

void ImportanceView::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    m_pairChosen = false;
    const qint64 blocks = blockCount();
    {
        const QSignalBlocker b1(m_block);
        const QSignalBlocker b2(m_pair);
        m_block->setRange(0, static_cast<int>(std::max<qint64>(blocks - 1, 0)));
        m_block->setValue(0);
        m_pair->clear();
        for (qint64 i = 0; i + 1 < blocks; ++i)
            m_pair->addItem(
                tr("blocks %1 + %2  (cos %3)").arg(i).arg(i + 1).arg(m_session->pairSimilarity(i), 0, 'f', 3), i);
        // Start on the most similar pair: the one FlattenGPT's greedy rule takes first.
        qint64 best = 0;
        for (qint64 i = 1; i + 1 < blocks; ++i)
            if (m_session->pairSimilarity(i) > m_session->pairSimilarity(best))
                best = i;
        if (m_pair->count() > 0)
            m_pair->setCurrentIndex(static_cast<int>(best));
    }
    m_toggle->setEnabled(blocks >= 2);
    rebuildHeatmap();
    rebuildChannels();
    rebuildPreview();
}

void ImportanceView::setPlanDocument(PlanDocument* document)
{
    m_binding.bind(document);
}

void ImportanceView::setPlan(const core::Plan& plan)
{
    m_plan = plan;
    const qint64 blocks = blockCount();
    {
        const QSignalBlocker blocker(m_pair);
        for (int row = 0; row < m_pair->count(); ++row) {
            const qint64 first = row;
            const bool inPlan = std::any_of(plan.flatten.begin(), plan.flatten.end(), [first](const auto& group) {
                return std::find(group.begin(), group.end(), first) != group.end() &&
                       std::find(group.begin(), group.end(), first + 1) != group.end();
            });
            QString text = tr("blocks %1 + %2  (cos %3)")
                               .arg(first)
                               .arg(first + 1)
                               .arg(m_session->pairSimilarity(first), 0, 'f', 3);
            if (inPlan)
                text += tr("  [in plan]");
            m_pair->setItemText(row, text);
        }
        if (!m_pairChosen && !plan.flatten.empty() && plan.flatten.front().size() >= 2 &&
            plan.flatten.front().front() + 1 < blocks)
            m_pair->setCurrentIndex(static_cast<int>(plan.flatten.front().front()));
    }
    drawPlanMarks();
    rebuildPreview();
}

void ImportanceView::setChannelBlock(qint64 block)
{
    m_block->setValue(static_cast<int>(block));
}

qint64 ImportanceView::channelBlock() const
{
    return m_block->value();
}

void ImportanceView::setPair(qint64 firstBlock)
{
    if (firstBlock >= 0 && firstBlock < m_pair->count()) {
        m_pairChosen = true;
        m_pair->setCurrentIndex(static_cast<int>(firstBlock));
    }
}

qint64 ImportanceView::pair() const
{
    return m_pair->currentIndex() >= 0 ? m_pair->currentData().toLongLong() : -1;
}

QString ImportanceView::previewText() const
{
    return m_preview->text();
}

QString ImportanceView::statusText() const
{
    return m_status->text();
}

HeatmapGeometry ImportanceView::heatmapGeometry() const
{
    HeatmapGeometry g;
    if (m_heads->plottableCount() == 0)
        return g;
    g.rows = m_session->config.numHeads;
    g.columns = blockCount();
    g.x = PlotStyle::mapping(m_heads->axisRect()->axis(QCPAxis::atBottom));
    g.y = PlotStyle::mapping(m_heads->axisRect()->axis(QCPAxis::atLeft));
    return g;
}

void ImportanceView::rebuildHeatmap()
{
    PlotStyle::reset(m_heads, tr("Attention heads x blocks: %1").arg(m_headScore->currentText()));
    const qint64 blocks = blockCount();
    const auto heads = static_cast<int>(m_session ? m_session->config.numHeads : 0);
    bool complete = blocks > 0 && heads > 0;
    for (qint64 b = 0; complete && b < blocks; ++b)
        complete = static_cast<int>(headValues(m_session->blocks[static_cast<std::size_t>(b)]).size()) == heads;
    if (!complete) {
        m_heads->replot();
        return;
    }
    const auto columns = static_cast<int>(blocks);
    QVector<double> values(heads * columns);
    for (int c = 0; c < columns; ++c) {
        const auto& v = headValues(m_session->blocks[static_cast<std::size_t>(c)]);
        for (int r = 0; r < heads; ++r)
            values[r * columns + c] = v[static_cast<std::size_t>(r)];
    }
    // A few very strong heads (often in the last blocks) would leave every other cell black: the colour range
    // ends at the 98th percentile and stronger cells saturate (the hover readout gives exact values).
    QVector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const double top = sorted[static_cast<int>(std::floor(0.98 * static_cast<double>(sorted.size() - 1)))];
    const bool clipped = top < sorted.back();
    PlotStyle::addHeatmap(m_heads, values, heads, columns,
                          ColorScale(QStringLiteral("magma"), sorted.front(), clipped ? top : sorted.back()),
                          clipped ? tr("%1 (clipped at 98th percentile)").arg(m_headScore->currentText())
                                  : m_headScore->currentText(),
                          true);
    m_heads->axisRect()->axis(QCPAxis::atBottom)->setLabel(tr("block"));
    m_heads->axisRect()->axis(QCPAxis::atLeft)->setLabel(tr("query head"));
    drawPlanMarks();
}

void ImportanceView::drawPlanMarks()
{
    removeItemsNamed(m_heads, {kFlattenMark, kDropMark});
    if (m_heads->plottableCount() > 0) {
        const auto rows = static_cast<double>(m_session->config.numHeads);
        const qint64 blocks = blockCount();
        for (const auto& group : m_plan.flatten)
            if (group.size() >= 2 && group.front() >= 0 && group.back() < blocks)
                PlotStyle::markCells(m_heads, static_cast<double>(group.front()), 0, static_cast<double>(group.back()),
                                     rows - 1, QColor(0x4c, 0xaf, 0x50), Qt::transparent, kFlattenMark);
        for (const std::int64_t d : m_plan.drop)
            if (d >= 0 && d < blocks)
                PlotStyle::markCells(m_heads, static_cast<double>(d), 0, static_cast<double>(d), rows - 1, kDropColor,
                                     QColor(kDropColor.red(), kDropColor.green(), kDropColor.blue(), 60), kDropMark);
    }
    m_heads->replot();
}

void ImportanceView::rebuildChannels()
{
    const qint64 block = channelBlock();
    QCPAxisRect* rect = PlotStyle::reset(m_channels, tr("MLP channels of block %1, sorted").arg(block));
    if (!m_session || block < 0 || block >= blockCount()) {
        m_channels->replot();
        return;
    }
    std::vector<double> sorted = channelValues(m_session->blocks[static_cast<std::size_t>(block)]);
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    QVector<double> keys, values;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        keys << static_cast<double>(i + 1);
        values << sorted[i];
    }
    auto* graph = new QCPGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    graph->setData(keys, values, true);
    graph->setPen(QPen(QColor(0x1f, 0x4e, 0x79), 2));
    graph->setBrush(QColor(0x1f, 0x4e, 0x79, 40));
    rect->axis(QCPAxis::atBottom)->setLabel(tr("channel rank (most important first)"));
    rect->axis(QCPAxis::atLeft)->setLabel(m_channelScore->currentText());
    if (!sorted.empty()) {
        rect->axis(QCPAxis::atBottom)->setRange(0, static_cast<double>(sorted.size()) + 1);
        const double lo = std::min(sorted.back(), 0.0);
        const double hi = sorted.front();
        rect->axis(QCPAxis::atLeft)->setRange(lo, hi > lo ? hi + 0.05 * (hi - lo) : lo + 1.0);
    }
    m_channels->replot();
}

void ImportanceView::rebuildPreview()
{
    QCPAxisRect* groupRect = PlotStyle::reset(m_groups, tr("Flatten preview: KV groups kept"));
    QCPAxisRect* pooledRect = PlotStyle::reset(m_pooled, tr("Flatten preview: merged MLP channels"));
    m_preview->clear();
    const qint64 first = pair();
    if (!m_session || first < 0 || first + 1 >= blockCount()) {
        m_groups->replot();
        m_pooled->replot();
        return;
    }
    core::FlattenPreview p;
    try {
        p = core::previewFlatten(*m_session, {first, first + 1}, m_plan.options.headScore);
    } catch (const core::Error& e) {
        m_preview->setText(QString::fromStdString(e.what()));
        m_groups->replot();
        m_pooled->replot();
        return;
    }
    const qint64 g = m_session->config.numKvHeads;

    // KV groups: one bar per wide group, kept green, pruned grey; ticks name block and group.
    QCPAxis* gx = groupRect->axis(QCPAxis::atBottom);
    QCPAxis* gy = groupRect->axis(QCPAxis::atLeft);
    auto* kept = new QCPBars(gx, gy);
    auto* pruned = new QCPBars(gx, gy);
    kept->setName(tr("kept"));
    pruned->setName(tr("pruned"));
    kept->setBrush(kKept);
    pruned->setBrush(kPruned);
    for (QCPBars* bars : {kept, pruned}) {
        bars->setPen(Qt::NoPen);
        bars->setWidth(0.7);
    }
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double maxScore = 0.0;
    for (std::size_t w = 0; w < p.groupScores.size(); ++w) {
        const bool isKept = std::binary_search(p.keptKvGroups.begin(), p.keptKvGroups.end(), static_cast<qint64>(w));
        (isKept ? kept : pruned)->addData(static_cast<double>(w), p.groupScores[w]);
        const qint64 block = p.blocks[w / static_cast<std::size_t>(g)];
        ticker->addTick(static_cast<double>(w), tr("b%1\ng%2").arg(block).arg(static_cast<qint64>(w) % g));
        maxScore = std::max(maxScore, p.groupScores[w]);
    }
    gx->setTicker(ticker);
    gx->setRange(-0.6, static_cast<double>(p.groupScores.size()) - 0.4);
    gx->grid()->setVisible(false);
    gy->setRange(0.0, maxScore > 0 ? maxScore * 1.15 : 1.0);
    gy->setLabel(tr("summed head score"));
    PlotStyle::verticalLine(m_groups, static_cast<double>(g) - 0.5, QPen(QColor(90, 90, 90), 1, Qt::DashLine));
    QCPLegend* groupLegend = PlotStyle::addLegend(groupRect, Qt::AlignTop | Qt::AlignRight);
    PlotStyle::addPlottable(groupLegend, kept);
    PlotStyle::addPlottable(groupLegend, pruned);

    // Channels: pooled scores sorted descending; points coloured by their block; keep boundary at I.
    QString channelsText;
    if (!p.channelScores.empty()) {
        const auto channels = static_cast<std::int64_t>(m_session->config.intermediateSize);
        std::vector<std::int64_t> order(p.channelScores.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&p](std::int64_t a, std::int64_t b) {
            return p.channelScores[static_cast<std::size_t>(a)] > p.channelScores[static_cast<std::size_t>(b)];
        });
        QCPAxis* px = pooledRect->axis(QCPAxis::atBottom);
        QCPAxis* py = pooledRect->axis(QCPAxis::atLeft);
        QCPGraph* perBlock[2] = {new QCPGraph(px, py), new QCPGraph(px, py)};
        for (int b = 0; b < 2; ++b) {
            perBlock[b]->setLineStyle(QCPGraph::lsNone);
            perBlock[b]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, PlotStyle::seriesColor(b), 3));
            perBlock[b]->setName(tr("block %1").arg(p.blocks[static_cast<std::size_t>(b)]));
        }
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
            const auto source = static_cast<std::size_t>(order[rank] / channels);
            perBlock[std::min<std::size_t>(source, 1)]->addData(static_cast<double>(rank + 1),
                                                                p.channelScores[static_cast<std::size_t>(order[rank])]);
        }
        const double top = p.channelScores[static_cast<std::size_t>(order.front())];
        const double bottom = std::min(p.channelScores[static_cast<std::size_t>(order.back())], 0.0);
        px->setRange(0, static_cast<double>(order.size()) + 1);
        py->setRange(bottom, top > bottom ? top + 0.05 * (top - bottom) : bottom + 1.0);
        px->setLabel(tr("rank in the merged MLP (%1 kept of %2)").arg(channels).arg(order.size()));
        py->setLabel(tr("ridge leverage"));
        auto* prunedZone = new QCPItemRect(m_pooled);
        prunedZone->setObjectName(QStringLiteral("pruned-zone"));
        prunedZone->setClipAxisRect(pooledRect);
        for (QCPItemPosition* pos : {prunedZone->topLeft, prunedZone->bottomRight}) {
            pos->setAxisRect(pooledRect);
            pos->setAxes(px, py);
            pos->setTypeY(QCPItemPosition::ptAxisRectRatio);
        }
        prunedZone->topLeft->setCoords(static_cast<double>(channels) + 0.5, 0.0);
        prunedZone->bottomRight->setCoords(static_cast<double>(order.size()) + 1.0, 1.0);
        prunedZone->setPen(Qt::NoPen);
        prunedZone->setBrush(QColor(0, 0, 0, 22));
        PlotStyle::verticalLine(m_pooled, static_cast<double>(channels) + 0.5,
                                QPen(QColor(60, 60, 60), 1.5, Qt::DashLine));
        auto* label = new QCPItemText(m_pooled);
        label->setClipAxisRect(pooledRect);
        label->position->setAxisRect(pooledRect);
        label->position->setAxes(px, py);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(static_cast<double>(channels) + 0.5, 0.04);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
        label->setText(tr("kept  |  pruned"));
        label->setFont(QFont(QStringLiteral("DejaVu Sans"), 8));
        QCPLegend* pooledLegend = PlotStyle::addLegend(pooledRect, Qt::AlignTop | Qt::AlignRight);
        PlotStyle::addPlottable(pooledLegend, perBlock[0]);
        PlotStyle::addPlottable(pooledLegend, perBlock[1]);
        channelsText = tr("; MLP channels kept: %1 from block %2, %3 from block %4 (preview from each block's "
                          "own scores)")
                           .arg(p.keptChannelsPerBlock[0])
                           .arg(first)
                           .arg(p.keptChannelsPerBlock[1])
                           .arg(first + 1);
    } else {
        channelsText = tr("; this session has no MLP channel scores");
    }
    QStringList groups;
    for (const std::int64_t w : p.keptKvGroups)
        groups << tr("b%1 g%2").arg(p.blocks[static_cast<std::size_t>(w / g)]).arg(w % g);
    m_preview->setText(tr("Flattening blocks %1 + %2 keeps %3 of %4 KV groups (%5): %6 from block %1, %7 from "
                          "block %2, %8 query heads each")
                           .arg(first)
                           .arg(first + 1)
                           .arg(p.keptKvGroups.size())
                           .arg(p.groupScores.size())
                           .arg(groups.join(QStringLiteral(", ")))
                           .arg(p.keptGroupsPerBlock[0])
                           .arg(p.keptGroupsPerBlock[1])
                           .arg(p.headsPerGroup) +
                       channelsText + QStringLiteral("."));
    m_groups->replot();
    m_pooled->replot();
}

void ImportanceView::onHeatmapMove(QMouseEvent* event)
{
    if (!m_heads->axisRect()->rect().contains(event->pos()))
        return;
    const auto cell = heatmapGeometry().cellAt(event->position());
    if (!cell)
        return;
    const auto& values = headValues(m_session->blocks[static_cast<std::size_t>(cell->column)]);
    m_status->setText(
        tr("block %1, head %2 (KV group %3): %4 = %5")
            .arg(cell->column)
            .arg(cell->row)
            .arg(cell->row / std::max<std::int64_t>(m_session->config.numHeads /
                                                        std::max<std::int64_t>(m_session->config.numKvHeads, 1),
                                                    1))
            .arg(m_headScore->currentText())
            .arg(values[static_cast<std::size_t>(cell->row)], 0, 'g', 4));
}

void ImportanceView::onHeatmapPress(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_heads->axisRect()->rect().contains(event->pos()))
        return;
    if (const auto cell = heatmapGeometry().cellAt(event->position()))
        setChannelBlock(cell->column);
}

} // namespace flatslice::ui
