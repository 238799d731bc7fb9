// SPDX-License-Identifier: GPL-3.0-or-later
#include "spectraview.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMouseEvent>
#include <QSignalBlocker>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include "hintpanel.h"
#include "plan/plandocument.h"
#include "plot/explainedvariance.h"
#include "plot/plotstyle.h"

namespace flatslice::ui {

namespace {

constexpr int kGlobalRow = 0;
const QColor kKeepColor(0xc6, 0x28, 0x28);
const QColor kPlanColor(0x2e, 0x7d, 0x32);

QCPItemStraightLine* hiddenLine(QCustomPlot* plot, const QPen& pen)
{
    QCPItemStraightLine* line = PlotStyle::verticalLine(plot, 0.0, pen);
    line->setVisible(false);
    return line;
}

void placeLine(QCPItemStraightLine* line, qint64 width)
{
    line->setVisible(width > 0);
    line->point1->setCoords(static_cast<double>(width), 0.0);
    line->point2->setCoords(static_cast<double>(width), 1.0);
}

QString percent(double fraction)
{
    return QStringLiteral("%1%").arg(fraction * 100.0, 0, 'f', 2);
}

} // namespace

SpectraView::SpectraView(QWidget* parent)
    : QWidget(parent), m_binding(
                           this, [this](const core::Plan& plan) { setPlan(plan); },
                           [this](PlanDocument* d) {
                               connect(this, &SpectraView::sliceWidthRequested, d, &PlanDocument::setSliceWidth);
                           })
{
    auto* layout = new QVBoxLayout(this);
    m_hint = new HintPanel(hint());
    layout->addWidget(m_hint);

    auto* body = new QSplitter(Qt::Horizontal);
    auto* side = new QWidget;
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(new QLabel(tr("Signal")));
    m_signal = new QComboBox;
    m_signal->addItem(tr("attention input"));
    m_signal->addItem(tr("MLP input"));
    sideLayout->addWidget(m_signal);
    sideLayout->addWidget(new QLabel(tr("Blocks (Ctrl/Shift for several)")));
    m_blocks = new QListWidget;
    m_blocks->setSelectionMode(QAbstractItemView::ExtendedSelection);
    sideLayout->addWidget(m_blocks, 1);
    body->addWidget(side);

    auto* plots = new QSplitter(Qt::Vertical);
    m_eigen = new QCustomPlot;
    m_eigen->setObjectName(QStringLiteral("spectra-eigenvalues"));
    m_cumulative = new QCustomPlot;
    m_cumulative->setObjectName(QStringLiteral("spectra-cumulative"));
    for (QCustomPlot* plot : {m_eigen, m_cumulative}) {
        plot->setMinimumSize(320, 200);
        plot->setCursor(Qt::SplitHCursor);
        plots->addWidget(plot);
    }
    body->addWidget(plots);
    body->setStretchFactor(0, 0);
    body->setStretchFactor(1, 1);
    body->setSizes({190, 800});
    layout->addWidget(body, 1);
    m_readout = new QLabel;
    m_readout->setWordWrap(true);
    m_readout->setTextFormat(Qt::PlainText);
    layout->addWidget(m_readout);

    connect(m_signal, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_blocks, &QListWidget::itemSelectionChanged, this, [this] { rebuild(); });
    const QCustomPlot* plotOf[2] = {m_eigen, m_cumulative};
    for (int i = 0; i < 2; ++i) {
        connect(plotOf[i], &QCustomPlot::mousePress, this, [this, i](QMouseEvent* e) { onPress(i, e); });
        connect(plotOf[i], &QCustomPlot::mouseMove, this, [this, i](QMouseEvent* e) { onMove(i, e); });
        connect(plotOf[i], &QCustomPlot::mouseRelease, this, [this, i](QMouseEvent* e) { onRelease(i, e); });
    }
    rebuild();
}

QString SpectraView::hint() const
{
    return tr("<b>What am I looking at?</b> SliceGPT rotates the residual stream into its principal directions "
              "and deletes the weakest ones. <b>Top:</b> the eigenvalues of the chosen blocks' input (log scale): "
              "a steep fall means a few directions carry almost everything. <b>Bottom:</b> the share of the "
              "variance the top k directions hold. Drag the red line to choose how many dimensions to keep: the "
              "readout shows what that width keeps, and releasing the mouse sets it in the plan (for the chosen "
              "blocks, or for every block when \"global\" is chosen). The dashed green line is the plan's width. "
              "Kept variance is a guide, not a promise: perplexity tells the rest.");
}

QList<QCustomPlot*> SpectraView::plots() const
{
    return {m_eigen, m_cumulative};
}

void SpectraView::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    {
        const QSignalBlocker blocker(m_blocks);
        m_blocks->clear();
        if (m_session) {
            m_blocks->addItem(tr("global (all blocks)"));
            for (std::size_t i = 0; i < m_session->blocks.size(); ++i) {
                const core::Spectrum& s = m_session->blocks[i].attnInput;
                auto* item = new QListWidgetItem(tr("block %1  (95%: %2)").arg(i).arg(s.dim95));
                item->setData(Qt::UserRole, static_cast<qint64>(i));
                m_blocks->addItem(item);
            }
            m_blocks->item(kGlobalRow)->setSelected(true);
        }
    }
    m_width = planWidth() > 0 ? planWidth() : dimension();
    rebuild();
}

void SpectraView::setPlanDocument(PlanDocument* document)
{
    m_binding.bind(document);
}

void SpectraView::setPlan(const core::Plan& plan)
{
    m_plan = plan;
    const qint64 width = planWidth();
    if (width > 0 && !m_dragging)
        m_width = width;
    updateLines();
}

void SpectraView::selectBlocks(const QList<qint64>& blocks)
{
    {
        const QSignalBlocker blocker(m_blocks);
        m_blocks->clearSelection();
        if (m_blocks->count() == 0)
            return;
        if (blocks.isEmpty())
            m_blocks->item(kGlobalRow)->setSelected(true);
        for (qint64 b : blocks)
            if (b >= 0 && b + 1 < m_blocks->count())
                m_blocks->item(static_cast<int>(b) + 1)->setSelected(true);
    }
    rebuild();
}

QList<qint64> SpectraView::selectedBlocks() const
{
    QList<qint64> result;
    if (m_blocks->count() == 0 || m_blocks->item(kGlobalRow)->isSelected())
        return result;
    for (int row = 1; row < m_blocks->count(); ++row)
        if (m_blocks->item(row)->isSelected())
            result << static_cast<qint64>(row - 1);
    return result;
}

void SpectraView::setSignal(Signal signal)
{
    m_signal->setCurrentIndex(signal == Signal::AttentionInput ? 0 : 1);
}

SpectraView::Signal SpectraView::signal() const
{
    return m_signal->currentIndex() == 1 ? Signal::MlpInput : Signal::AttentionInput;
}

const core::Spectrum* SpectraView::spectrum(qint64 block) const
{
    if (!m_session || block < 0 || block >= static_cast<qint64>(m_session->blocks.size()))
        return nullptr;
    const core::BlockAnalysis& b = m_session->blocks[static_cast<std::size_t>(block)];
    const core::Spectrum& s = signal() == Signal::MlpInput ? b.mlpInput : b.attnInput;
    return s.eigenvalues.empty() ? nullptr : &s;
}

qint64 SpectraView::dimension() const
{
    return m_session ? m_session->config.hiddenSize : 0;
}

qint64 SpectraView::rounding() const
{
    return m_plan.slice ? std::max<qint64>(m_plan.slice->rounding, 1) : 8;
}

qint64 SpectraView::planWidthOf(qint64 block) const
{
    if (!m_session || !m_plan.slice)
        return -1;
    const core::SlicePlan& s = *m_plan.slice;
    if (s.ratio)
        return core::slicedWidth(dimension(), *s.ratio, s.rounding);
    const auto layers = m_plan.resultLayers(static_cast<std::int64_t>(m_session->blocks.size()));
    for (std::size_t l = 0; l < layers.size() && l < s.dims.size(); ++l)
        if (std::find(layers[l].begin(), layers[l].end(), block) != layers[l].end())
            return signal() == Signal::MlpInput ? s.dims[l].mlp : s.dims[l].attn;
    return -1; // dropped, or dims that do not match the layers
}

qint64 SpectraView::planWidth() const
{
    if (!m_session || !m_plan.slice)
        return -1;
    QList<qint64> blocks = selectedBlocks();
    if (blocks.isEmpty()) {
        if (m_plan.slice->ratio)
            return planWidthOf(0);
        for (qint64 b = 0; b < static_cast<qint64>(m_session->blocks.size()); ++b)
            blocks << b;
    }
    qint64 width = -1;
    for (qint64 b : blocks) {
        const qint64 w = planWidthOf(b);
        if (w < 0 || (width >= 0 && w != width))
            return -1;
        width = w;
    }
    return width;
}

void SpectraView::rebuild()
{
    QCPAxisRect* eigenRect = PlotStyle::reset(m_eigen, tr("Eigenvalues of the residual stream (log scale)"));
    QCPAxisRect* cumRect = PlotStyle::reset(m_cumulative, tr("Cumulative explained variance"));
    m_keepLines[0] = hiddenLine(m_eigen, QPen(kKeepColor, 2));
    m_keepLines[1] = hiddenLine(m_cumulative, QPen(kKeepColor, 2));
    m_planLines[0] = hiddenLine(m_eigen, QPen(kPlanColor, 2, Qt::DashLine));
    m_planLines[1] = hiddenLine(m_cumulative, QPen(kPlanColor, 2, Qt::DashLine));
    const qint64 d = dimension();
    if (!m_session || d <= 0) {
        m_readout->clear();
        m_eigen->replot();
        m_cumulative->replot();
        return;
    }

    QCPAxis* ex = eigenRect->axis(QCPAxis::atBottom);
    QCPAxis* ey = eigenRect->axis(QCPAxis::atLeft);
    QCPAxis* cx = cumRect->axis(QCPAxis::atBottom);
    QCPAxis* cy = cumRect->axis(QCPAxis::atLeft);
    ey->setScaleType(QCPAxis::stLogarithmic);
    auto logTicker = QSharedPointer<QCPAxisTickerLog>::create();
    ey->setTicker(logTicker);
    ey->setNumberFormat(QStringLiteral("eb"));
    ey->setNumberPrecision(0);
    ex->setLabel(tr("component k (largest first)"));
    ey->setLabel(tr("eigenvalue"));
    cx->setLabel(tr("kept width k"));
    cy->setLabel(tr("variance kept"));
    cy->setRange(0.0, 1.02);
    auto percentTicker = QSharedPointer<QCPAxisTickerText>::create();
    for (int p = 0; p <= 100; p += 20)
        percentTicker->addTick(p / 100.0, QStringLiteral("%1%").arg(p));
    cy->setTicker(percentTicker);
    for (QCPAxis* x : {ex, cx})
        x->setRange(0.0, static_cast<double>(d) + 0.5);

    const QList<qint64> chosen = selectedBlocks();
    const bool global = chosen.isEmpty();
    QList<qint64> shown = chosen;
    if (global)
        for (qint64 b = 0; b < static_cast<qint64>(m_session->blocks.size()); ++b)
            shown << b;

    double minPositive = std::numeric_limits<double>::infinity();
    double maxValue = 0.0;
    std::vector<double> meanCumulative(static_cast<std::size_t>(d) + 1, 0.0);
    int counted = 0;
    int series = 0;
    for (qint64 b : shown) {
        const core::Spectrum* s = spectrum(b);
        if (!s)
            continue;
        QVector<double> keys, values;
        for (std::size_t k = 0; k < s->eigenvalues.size(); ++k)
            if (s->eigenvalues[k] > 0.0) { // log axis: rounding noise at or below zero is not drawn
                keys << static_cast<double>(k + 1);
                values << s->eigenvalues[k];
                minPositive = std::min(minPositive, s->eigenvalues[k]);
                maxValue = std::max(maxValue, s->eigenvalues[k]);
            }
        const ExplainedVariance ev(s->eigenvalues);
        QVector<double> widths, fractions;
        for (std::size_t k = 0; k < ev.cumulative().size(); ++k) {
            widths << static_cast<double>(k);
            fractions << ev.cumulative()[k];
            if (k < meanCumulative.size())
                meanCumulative[k] += ev.cumulative()[k];
        }
        ++counted;
        const QPen pen = global ? QPen(QColor(120, 120, 120, 90), 1) : QPen(PlotStyle::seriesColor(series), 2);
        auto* eg = new QCPGraph(ex, ey);
        eg->setData(keys, values, true);
        eg->setPen(pen);
        eg->setName(tr("block %1").arg(b));
        auto* cg = new QCPGraph(cx, cy);
        cg->setData(widths, fractions, true);
        cg->setPen(pen);
        cg->setName(tr("block %1").arg(b));
        ++series;
    }
    if (global && counted > 0) {
        QVector<double> widths, fractions;
        for (std::size_t k = 0; k < meanCumulative.size(); ++k) {
            widths << static_cast<double>(k);
            fractions << meanCumulative[k] / counted;
        }
        auto* mean = new QCPGraph(cx, cy);
        mean->setData(widths, fractions, true);
        mean->setPen(QPen(QColor(0x1f, 0x4e, 0x79), 2.5));
        mean->setName(tr("mean over blocks"));
    }
    if (maxValue > 0.0)
        ey->setRange(minPositive / 2.0, maxValue * 2.0);
    else
        ey->setRange(1e-6, 1.0);

    // Legends name the overlaid blocks (at most 10 entries; "global" names only its mean).
    QCPLegend* legend = PlotStyle::addLegend(cumRect, Qt::AlignBottom | Qt::AlignRight);
    int entries = 0;
    for (int i = 0; i < m_cumulative->graphCount() && entries < 10; ++i) {
        QCPGraph* g = m_cumulative->graph(i);
        if (global && g->name() != tr("mean over blocks"))
            continue;
        PlotStyle::addPlottable(legend, g);
        ++entries;
    }
    m_width = std::clamp<qint64>(m_width, 0, d);
    updateLines();
}

void SpectraView::updateLines()
{
    if (!m_keepLines[0])
        return;
    const qint64 plan = planWidth();
    for (int i = 0; i < 2; ++i) {
        placeLine(m_keepLines[i], m_session ? m_width : 0);
        placeLine(m_planLines[i], plan);
    }
    updateReadout();
    m_eigen->replot();
    m_cumulative->replot();
}

void SpectraView::updateReadout()
{
    if (!m_session || dimension() <= 0) {
        m_readout->clear();
        return;
    }
    const qint64 d = dimension();
    const QString signalName = signal() == Signal::MlpInput ? tr("MLP input") : tr("attention input");
    QStringList parts;
    const QList<qint64> chosen = selectedBlocks();
    if (chosen.isEmpty()) {
        double sum = 0.0, worst = 2.0;
        qint64 worstBlock = -1, counted = 0;
        for (qint64 b = 0; b < static_cast<qint64>(m_session->blocks.size()); ++b)
            if (const core::Spectrum* s = spectrum(b)) {
                const double f = ExplainedVariance(s->eigenvalues).fractionAt(m_width);
                sum += f;
                ++counted;
                if (f < worst) {
                    worst = f;
                    worstBlock = b;
                }
            }
        if (counted > 0)
            parts << tr("all blocks, %1: keeping %2 of %3 dimensions keeps %4 of the variance on average, %5 at "
                        "worst (block %6)")
                         .arg(signalName)
                         .arg(m_width)
                         .arg(d)
                         .arg(percent(sum / static_cast<double>(counted)), percent(worst))
                         .arg(worstBlock);
    } else {
        for (qint64 b : chosen)
            if (const core::Spectrum* s = spectrum(b))
                parts << tr("block %1: %2").arg(b).arg(percent(ExplainedVariance(s->eigenvalues).fractionAt(m_width)));
        if (!parts.isEmpty())
            parts.front() = tr("%1, keeping %2 of %3 dimensions keeps ").arg(signalName).arg(m_width).arg(d) +
                            parts.front();
    }
    if (parts.isEmpty())
        parts << tr("no %1 spectrum in this session for the chosen blocks").arg(signalName);
    const qint64 plan = planWidth();
    QString text = parts.join(QStringLiteral("; "));
    text += plan > 0 ? tr(".  Plan: %1.").arg(plan)
                     : (m_plan.slice ? tr(".  Plan: per-layer widths.") : tr(".  The plan does not slice."));
    m_readout->setText(text);
}

void SpectraView::setKeepWidth(qint64 width)
{
    if (width == m_width)
        return;
    m_width = width;
    updateLines();
}

AxisMapping SpectraView::widthAxis(int index) const
{
    const QCustomPlot* plot = index == 0 ? m_eigen : m_cumulative;
    return PlotStyle::mapping(plot->axisRect()->axis(QCPAxis::atBottom));
}

QString SpectraView::readoutText() const
{
    return m_readout->text();
}

void SpectraView::onPress(int plotIndex, QMouseEvent* event)
{
    const QCustomPlot* plot = plotIndex == 0 ? m_eigen : m_cumulative;
    if (!m_session || dimension() <= 0 || event->button() != Qt::LeftButton ||
        !plot->axisRect()->rect().contains(event->pos()))
        return;
    m_dragging = true;
    setKeepWidth(
        ExplainedVariance::snapWidth(widthAxis(plotIndex).toCoord(event->position().x()), dimension(), rounding()));
}

void SpectraView::onMove(int plotIndex, QMouseEvent* event)
{
    if (!m_dragging || !(event->buttons() & Qt::LeftButton))
        return;
    setKeepWidth(
        ExplainedVariance::snapWidth(widthAxis(plotIndex).toCoord(event->position().x()), dimension(), rounding()));
}

void SpectraView::onRelease(int plotIndex, QMouseEvent* event)
{
    if (!m_dragging || event->button() != Qt::LeftButton)
        return;
    m_dragging = false;
    setKeepWidth(
        ExplainedVariance::snapWidth(widthAxis(plotIndex).toCoord(event->position().x()), dimension(), rounding()));
    const QList<qint64> chosen = selectedBlocks();
    if (chosen.isEmpty()) {
        Q_EMIT sliceWidthRequested(-1, m_width);
        return;
    }
    for (qint64 b : chosen)
        Q_EMIT sliceWidthRequested(b, m_width);
}

} // namespace flatslice::ui
