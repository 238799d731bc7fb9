// SPDX-License-Identifier: GPL-3.0-or-later
#include "blockstrip.h"

#include <QContextMenuEvent>
#include <QHelpEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

#include "plan/plandocument.h"
#include "plot/colorscale.h"

namespace flatslice::ui {

namespace {
constexpr int kMargin = 6;
constexpr int kFooter = 40;
constexpr int kBracket = 14; // room on the right for the flatten brackets
constexpr int kLabel = 22;   // room on the left for block numbers
} // namespace

BlockStrip::BlockStrip(QWidget* parent) : QWidget(parent), m_binding(this, [this](const core::Plan&) { update(); })
{
    setMouseTracking(false);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
}

void BlockStrip::setPlanDocument(PlanDocument* document)
{
    m_binding.bind(document);
    update(); // also without a document: the strip then draws the session alone
}

QSize BlockStrip::sizeHint() const
{
    return {120, 600};
}

QSize BlockStrip::minimumSizeHint() const
{
    return {100, 160};
}

void BlockStrip::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    update();
}

void BlockStrip::setMetric(Metric metric)
{
    m_metric = metric;
    update();
}

QString BlockStrip::metricName(Metric metric)
{
    switch (metric) {
    case Metric::Similarity: return tr("Similarity cos(in, out)");
    case Metric::BlockInfluence: return tr("Block Influence");
    case Metric::AttnDim95: return tr("Attn dims for 95% / D");
    case Metric::MlpDim95: return tr("MLP dims for 95% / D");
    }
    return {};
}

int BlockStrip::blockCount() const
{
    if (m_binding.document() && m_binding.document()->hasModel())
        return static_cast<int>(m_binding.document()->config().numLayers);
    return m_session ? static_cast<int>(m_session->blocks.size()) : 0;
}

double BlockStrip::metricValue(int block) const
{
    if (!m_session || block < 0 || block >= static_cast<int>(m_session->blocks.size()))
        return std::numeric_limits<double>::quiet_NaN();
    const core::BlockAnalysis& b = m_session->blocks[static_cast<std::size_t>(block)];
    const double hidden = static_cast<double>(std::max<std::int64_t>(1, m_session->config.hiddenSize));
    switch (m_metric) {
    case Metric::Similarity: return b.cosInOut;
    case Metric::BlockInfluence: return b.blockInfluence;
    case Metric::AttnDim95: return static_cast<double>(b.attnInput.dim95) / hidden;
    case Metric::MlpDim95:
        return b.mlpInput.eigenvalues.empty() ? std::numeric_limits<double>::quiet_NaN()
                                              : static_cast<double>(b.mlpInput.dim95) / hidden;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

BlockStripGeometry BlockStrip::geometry() const
{
    BlockStripGeometry g;
    g.blocks = blockCount();
    g.area = QRectF(kMargin + kLabel, kMargin, std::max(10, width() - 2 * kMargin - kLabel - kBracket),
                    std::max(10, height() - 2 * kMargin - kFooter));
    g.gap = g.blocks > 40 ? 2.0 : 4.0;
    g.gapSlop = std::min(3.0, std::max(1.0, g.cellHeight() / 4.0));
    return g;
}

void BlockStrip::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    const BlockStripGeometry g = geometry();
    if (g.blocks == 0) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Open a model to see its blocks"));
        return;
    }
    // Colour range: robust to the one or two outlier blocks most models have (block 0's similarity is near 0 while
    // the rest sit in 0.93 .. 0.98): from the 10th percentile to the 90th of the session's values, clamped.
    std::vector<double> values;
    for (int i = 0; i < g.blocks; ++i)
        if (const double v = metricValue(i); std::isfinite(v))
            values.push_back(v);
    std::sort(values.begin(), values.end());
    auto quantile = [&values](double q) {
        return values[static_cast<std::size_t>(std::lround(q * static_cast<double>(values.size() - 1)))];
    };
    const double lo = values.empty() ? 0.0 : quantile(0.1);
    const double hi = values.empty() ? 1.0 : quantile(0.9);
    const ColorScale scale(QStringLiteral("viridis"), lo, hi);
    static const core::Plan kNoPlan;
    const core::Plan& plan = m_binding.document() ? m_binding.document()->plan() : kNoPlan;
    QFont small = font();
    small.setPointSizeF(std::max(6.0, std::min(font().pointSizeF(), g.cellHeight() * 0.55)));
    p.setFont(small);
    for (int i = 0; i < g.blocks; ++i) {
        const QRectF cell = g.cellRect(i);
        const double v = metricValue(i);
        const QColor fill = std::isfinite(v) ? scale.color(v) : QColor(200, 200, 200);
        p.setPen(Qt::NoPen);
        p.setBrush(fill);
        p.drawRoundedRect(cell, 2, 2);
        const bool dropped = std::find(plan.drop.begin(), plan.drop.end(), i) != plan.drop.end();
        if (dropped) {
            p.setBrush(QColor(255, 255, 255, 160));
            p.drawRoundedRect(cell, 2, 2);
            p.setPen(QPen(QColor(200, 30, 30), 2));
            p.drawLine(cell.topLeft() + QPointF(3, 2), cell.bottomRight() - QPointF(3, 2));
            p.drawLine(cell.bottomLeft() + QPointF(3, -2), cell.topRight() + QPointF(-3, 2));
        }
        p.setPen(palette().color(QPalette::Text));
        if (g.cellHeight() >= 7 || i % 5 == 0)
            p.drawText(QRectF(kMargin, cell.top(), kLabel - 4, cell.height()), Qt::AlignRight | Qt::AlignVCenter,
                       QString::number(i));
        if (std::isfinite(v) && g.cellHeight() >= 11) {
            p.setPen(scale.normalized(v) > 0.6 ? Qt::black : Qt::white);
            p.drawText(cell, Qt::AlignCenter, QString::number(v, 'f', 3));
        }
    }
    // Flatten brackets on the right.
    p.setPen(QPen(QColor(214, 90, 0), 2.5));
    for (const auto& group : plan.flatten) {
        const QRectF first = g.cellRect(static_cast<int>(group.front()));
        const QRectF last = g.cellRect(static_cast<int>(group.back()));
        const double x = g.area.right() + 4;
        p.drawLine(QPointF(x, first.top() + 2), QPointF(x + 6, first.top() + 2));
        p.drawLine(QPointF(x + 6, first.top() + 2), QPointF(x + 6, last.bottom() - 2));
        p.drawLine(QPointF(x + 6, last.bottom() - 2), QPointF(x, last.bottom() - 2));
        for (std::size_t k = 0; k + 1 < group.size(); ++k) {
            const QRectF gap = g.gapRect(static_cast<int>(group[k]));
            p.fillRect(QRectF(g.area.left(), gap.top(), g.area.width(), gap.height()), QColor(214, 90, 0));
        }
    }
    // Footer: resulting depth and the metric's range.
    const qint64 after = g.blocks - plan.blocksRemoved();
    p.setPen(palette().color(QPalette::Text));
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    const QRectF footer(kMargin, height() - kFooter - kMargin + 4, width() - 2 * kMargin, kFooter / 2.0);
    p.drawText(footer, Qt::AlignLeft | Qt::AlignVCenter, tr("%1 → %2 layers").arg(g.blocks).arg(after));
    p.setFont(font());
    if (m_session && !values.empty())
        p.drawText(footer.translated(0, kFooter / 2.0), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("%1 – %2").arg(lo, 0, 'f', 3).arg(hi, 0, 'f', 3));
}

void BlockStrip::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton || !m_binding.document())
        return QWidget::mousePressEvent(event);
    const auto hit = geometry().hitTest(event->position());
    if (hit.kind == BlockStripGeometry::HitKind::Gap) {
        m_binding.document()->toggleFlattenPair(hit.index);
    } else if (hit.kind == BlockStripGeometry::HitKind::Cell) {
        if (event->modifiers() & Qt::ControlModifier)
            m_binding.document()->toggleDrop(hit.index);
        else if (event->modifiers() & Qt::ShiftModifier)
            m_binding.document()->toggleFlattenPair(std::min(hit.index, blockCount() - 2));
    }
    event->accept();
}

void BlockStrip::contextMenuEvent(QContextMenuEvent* event)
{
    const auto hit = geometry().hitTest(event->pos());
    if (hit.kind == BlockStripGeometry::HitKind::None || !m_binding.document())
        return;
    QMenu menu(this);
    const int block = hit.index;
    const core::Plan& plan = m_binding.document()->plan();
    if (hit.kind == BlockStripGeometry::HitKind::Cell) {
        const bool dropped = std::find(plan.drop.begin(), plan.drop.end(), block) != plan.drop.end();
        menu.addAction(dropped ? tr("Keep block %1").arg(block) : tr("Drop block %1 (ShortGPT)").arg(block), this,
                       [this, block] { m_binding.document()->toggleDrop(block); });
    }
    if (block + 1 < blockCount())
        menu.addAction(tr("Toggle flattening blocks %1+%2").arg(block).arg(block + 1), this,
                       [this, block] { m_binding.document()->toggleFlattenPair(block); });
    if (block > 0 && hit.kind == BlockStripGeometry::HitKind::Cell)
        menu.addAction(tr("Toggle flattening blocks %1+%2").arg(block - 1).arg(block), this,
                       [this, block] { m_binding.document()->toggleFlattenPair(block - 1); });
    menu.exec(event->globalPos());
}

QString BlockStrip::tooltipFor(int block) const
{
    QString text = tr("<b>Block %1</b>").arg(block);
    if (m_session && block < static_cast<int>(m_session->blocks.size())) {
        const core::BlockAnalysis& b = m_session->blocks[static_cast<std::size_t>(block)];
        text +=
            tr("<br>cos(in, out) %1, Block Influence %2").arg(b.cosInOut, 0, 'f', 4).arg(b.blockInfluence, 0, 'f', 4);
        text +=
            tr("<br>attention input: %1 of %2 dims hold 95%").arg(b.attnInput.dim95).arg(m_session->config.hiddenSize);
        if (!b.mlpInput.eigenvalues.empty())
            text += tr("<br>MLP input: %1 dims hold 95%").arg(b.mlpInput.dim95);
        if (block + 1 < static_cast<int>(m_session->blocks.size()))
            text += tr("<br>pair %1+%2 similarity %3")
                        .arg(block)
                        .arg(block + 1)
                        .arg(m_session->pairSimilarity(block), 0, 'f', 4);
    }
    text += tr("<br><i>click a gap: flatten pair · ctrl-click: drop</i>");
    return text;
}

bool BlockStrip::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const auto hit = geometry().hitTest(help->pos());
        if (hit.kind == BlockStripGeometry::HitKind::Cell) {
            QToolTip::showText(help->globalPos(), tooltipFor(hit.index), this);
        } else if (hit.kind == BlockStripGeometry::HitKind::Gap) {
            QString text = tr("Click to toggle flattening blocks %1+%2").arg(hit.index).arg(hit.index + 1);
            if (m_session)
                text += tr(" (similarity %1)").arg(m_session->pairSimilarity(hit.index), 0, 'f', 4);
            QToolTip::showText(help->globalPos(), text, this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace flatslice::ui
