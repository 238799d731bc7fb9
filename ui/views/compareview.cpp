// SPDX-License-Identifier: GPL-3.0-or-later
#include "compareview.h"

#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <qcustomplot.h>

#include "hintpanel.h"
#include "plan/plandocument.h"
#include "plot/plotstyle.h"

namespace flatslice::ui {

namespace {

const QColor kDense(0x1f, 0x4e, 0x79);
const QColor kCompressed(0xe1, 0x57, 0x59);

QString grouped(std::int64_t n)
{
    return QLocale(QLocale::English).toString(static_cast<qlonglong>(n));
}

QString figure(std::optional<double> value, int decimals)
{
    return value ? QLocale(QLocale::English).toString(*value, 'f', decimals) : QStringLiteral("-");
}

std::optional<double> measured(double value)
{
    return value > 0.0 ? std::optional<double>(value) : std::nullopt;
}

std::optional<double> ratio(std::optional<double> dense, std::optional<double> compressed)
{
    if (!dense || !compressed || !(*dense > 0.0))
        return std::nullopt;
    return *compressed / *dense;
}

} // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent), m_binding(this, [this](const core::Plan& plan) { setPlan(plan); })
{
    auto* layout = new QVBoxLayout(this);
    m_hint = new HintPanel(hint());
    layout->addWidget(m_hint);

    auto* rows = new QSplitter(Qt::Vertical);
    auto* top = new QSplitter(Qt::Horizontal);
    m_table = new QTableWidget(5, 3);
    m_table->setHorizontalHeaderLabels({tr("dense"), tr("compressed"), tr("ratio")});
    m_table->setVerticalHeaderLabels(
        {tr("parameters"), tr("layers"), tr("perplexity"), tr("prefill tokens/s"), tr("decode tokens/s")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setMinimumWidth(360);
    m_table->resizeRowsToContents();
    m_table->setMaximumHeight(m_table->horizontalHeader()->sizeHint().height() +
                              5 * m_table->verticalHeader()->defaultSectionSize() + 4);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    top->addWidget(m_table);
    m_bars = new QCustomPlot;
    m_bars->setObjectName(QStringLiteral("compare-ratios"));
    top->addWidget(m_bars);
    rows->addWidget(top);

    auto* middle = new QSplitter(Qt::Horizontal);
    m_similarity = new QCustomPlot;
    m_similarity->setObjectName(QStringLiteral("compare-similarity"));
    m_variance = new QCustomPlot;
    m_variance->setObjectName(QStringLiteral("compare-variance"));
    for (QCustomPlot* plot : {m_bars, m_similarity, m_variance})
        plot->setMinimumSize(260, 180);
    middle->addWidget(m_similarity);
    middle->addWidget(m_variance);
    rows->addWidget(middle);

    auto* texts = new QWidget;
    auto* textLayout = new QVBoxLayout(texts);
    textLayout->setContentsMargins(0, 0, 0, 0);
    m_prompt = new QLabel;
    m_prompt->setWordWrap(true);
    m_prompt->setTextFormat(Qt::PlainText);
    textLayout->addWidget(m_prompt);
    auto* generations = new QSplitter(Qt::Horizontal);
    for (auto [label, text] :
         {std::pair{&m_denseLabel, &m_denseText}, std::pair{&m_compressedLabel, &m_compressedText}}) {
        auto* box = new QWidget;
        auto* boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(0, 0, 0, 0);
        *label = new QLabel;
        *text = new QPlainTextEdit;
        (*text)->setReadOnly(true);
        (*text)->setObjectName(text == &m_denseText ? QStringLiteral("dense-generation")
                                                    : QStringLiteral("compressed-generation"));
        boxLayout->addWidget(*label);
        boxLayout->addWidget(*text);
        generations->addWidget(box);
    }
    textLayout->addWidget(generations, 1);
    rows->addWidget(texts);
    top->setSizes({500, 500});
    middle->setSizes({500, 500});
    rows->setStretchFactor(0, 2);
    rows->setStretchFactor(1, 3);
    rows->setStretchFactor(2, 1);
    layout->addWidget(rows, 1);
    rebuild();
}

QString CompareView::hint() const
{
    return tr("<b>What am I looking at?</b> The dense model and the compressed one, measured the same way. The "
              "table and the bars give each figure of the compressed model as a share of the dense one: fewer "
              "parameters and more tokens per second are the gain, a higher perplexity is the price (a few percent "
              "is typical for a light plan; doubling means the plan cut too deep). The curves show whether the "
              "compressed model's blocks still change the stream as the dense ones did, and how its spectrum "
              "compares. The generations are greedy continuations of the same prompt.");
}

QList<QCustomPlot*> CompareView::plots() const
{
    return {m_bars, m_similarity, m_variance};
}

void CompareView::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    rebuild();
}

void CompareView::setPlanDocument(PlanDocument* document)
{
    m_binding.bind(document);
}

void CompareView::setPlan(const core::Plan& plan)
{
    m_plan = plan;
    rebuild();
}

void CompareView::setComparison(const ComparisonData& comparison)
{
    m_data = comparison;
    rebuild();
}

void CompareView::clearComparison()
{
    m_data.reset();
    rebuild();
}

void CompareView::rebuild()
{
    const ComparisonSide none;
    const ComparisonSide& dense = m_data ? m_data->dense : none;
    const ComparisonSide& compressed = m_data ? m_data->compressed : none;

    // Table.
    struct Row {
        std::optional<double> dense, compressed;
        QString denseText, compressedText;
    };
    const auto count = [](std::int64_t n) {
        return n > 0 ? std::optional<double>(static_cast<double>(n)) : std::nullopt;
    };
    const QList<Row> rowsData = {
        {count(dense.parameters), count(compressed.parameters),
         dense.parameters ? grouped(dense.parameters) : QStringLiteral("-"),
         compressed.parameters ? grouped(compressed.parameters) : QStringLiteral("-")},
        {count(dense.layers), count(compressed.layers),
         dense.layers ? QString::number(dense.layers) : QStringLiteral("-"),
         compressed.layers ? QString::number(compressed.layers) : QStringLiteral("-")},
        {dense.perplexity, compressed.perplexity, figure(dense.perplexity, 3), figure(compressed.perplexity, 3)},
        {measured(dense.prefillTokensPerSecond), measured(compressed.prefillTokensPerSecond),
         figure(measured(dense.prefillTokensPerSecond), 1), figure(measured(compressed.prefillTokensPerSecond), 1)},
        {dense.decodeTokensPerSecond, compressed.decodeTokensPerSecond, figure(dense.decodeTokensPerSecond, 1),
         figure(compressed.decodeTokensPerSecond, 1)},
    };
    if (m_data)
        m_table->setHorizontalHeaderLabels({dense.label.isEmpty() ? tr("dense") : dense.label,
                                            compressed.label.isEmpty() ? tr("compressed") : compressed.label,
                                            tr("ratio")});
    QVector<double> barKeys, barValues;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const QStringList barNames = {tr("parameters"), tr("layers"), tr("perplexity"), tr("prefill tok/s"),
                                  tr("decode tok/s")};
    for (int r = 0; r < rowsData.size(); ++r) {
        const Row& row = rowsData[r];
        const auto q = ratio(row.dense, row.compressed);
        const QString cells[3] = {m_data ? row.denseText : QString(), m_data ? row.compressedText : QString(),
                                  q ? QStringLiteral("%1%").arg(*q * 100.0, 0, 'f', 1)
                                    : (m_data ? QStringLiteral("-") : QString())};
        for (int c = 0; c < 3; ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(r, c, item);
        }
        ticker->addTick(r + 1, barNames[r]);
        if (q) {
            barKeys << r + 1;
            barValues << *q * 100.0;
        }
    }

    // Ratio bars (horizontal), with a reference line at 100%.
    QCPAxisRect* barRect = PlotStyle::reset(m_bars, tr("Compressed as % of dense"));
    QCPAxis* key = barRect->axis(QCPAxis::atLeft);
    QCPAxis* value = barRect->axis(QCPAxis::atBottom);
    auto* bars = new QCPBars(key, value);
    bars->setData(barKeys, barValues);
    bars->setWidth(0.6);
    bars->setPen(Qt::NoPen);
    bars->setBrush(kCompressed);
    key->setTicker(ticker);
    key->setRange(0.4, static_cast<double>(barNames.size()) + 0.6);
    key->setRangeReversed(true);
    key->grid()->setVisible(false);
    const double maxBar = barValues.isEmpty() ? 100.0 : *std::max_element(barValues.begin(), barValues.end());
    value->setRange(0.0, std::max(maxBar, 100.0) * 1.25);
    value->setLabel(tr("% of dense"));
    auto* reference = new QCPItemStraightLine(m_bars);
    for (QCPItemPosition* p : {reference->point1, reference->point2}) {
        p->setAxisRect(barRect);
        p->setAxes(value, key);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    reference->setClipAxisRect(barRect);
    reference->point1->setCoords(100.0, 0.0);
    reference->point2->setCoords(100.0, 1.0);
    reference->setPen(QPen(QColor(80, 80, 80), 1, Qt::DashLine));
    for (int i = 0; i < barKeys.size(); ++i) {
        auto* text = new QCPItemText(m_bars);
        text->setClipAxisRect(barRect);
        text->position->setAxes(value, key);
        text->position->setCoords(barValues[i], barKeys[i]);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        text->setPadding(QMargins(4, 0, 0, 0));
        text->setFont(QFont(QStringLiteral("DejaVu Sans"), 8));
        text->setText(QStringLiteral("%1%").arg(barValues[i], 0, 'f', 1));
    }
    m_bars->replot();

    // Similarity overlay: dense per original block; compressed layers placed at their first original block when
    // the plan's result layers match their count, otherwise at their own index.
    QCPAxisRect* simRect = PlotStyle::reset(m_similarity, tr("cos(input, output) per layer"));
    QCPAxis* sx = simRect->axis(QCPAxis::atBottom);
    QCPAxis* sy = simRect->axis(QCPAxis::atLeft);
    std::optional<std::vector<double>> denseSimilarity = dense.adjacentSimilarity;
    if (!denseSimilarity && m_session) {
        denseSimilarity.emplace();
        for (const auto& b : m_session->blocks)
            denseSimilarity->push_back(b.cosInOut);
    }
    QCPLegend* simLegend = PlotStyle::addLegendRow(m_similarity);
    double lo = 1.0, hi = 0.0;
    std::size_t maxX = 1;
    if (denseSimilarity && !denseSimilarity->empty()) {
        QVector<double> keys, values;
        for (std::size_t i = 0; i < denseSimilarity->size(); ++i) {
            keys << static_cast<double>(i);
            values << (*denseSimilarity)[i];
        }
        auto* g = new QCPGraph(sx, sy);
        g->setData(keys, values, true);
        g->setPen(QPen(kDense, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, kDense, Qt::white, 5));
        g->setName(dense.label.isEmpty() ? tr("dense") : dense.label);
        PlotStyle::addPlottable(simLegend, g);
        lo = std::min(lo, *std::min_element(values.begin(), values.end()));
        hi = std::max(hi, *std::max_element(values.begin(), values.end()));
        maxX = std::max(maxX, denseSimilarity->size());
        // Blocks the plan removes (flattened into their group's first block, or dropped), hatched.
        const auto blocks = static_cast<std::int64_t>(denseSimilarity->size());
        std::vector<std::int64_t> removed = m_plan.drop;
        for (const auto& group : m_plan.flatten)
            removed.insert(removed.end(), group.begin() + std::min<std::ptrdiff_t>(1, std::ssize(group)), group.end());
        for (const std::int64_t b : removed)
            if (b >= 0 && b < blocks) {
                auto* rect = new QCPItemRect(m_similarity);
                rect->setObjectName(QStringLiteral("removed-mark"));
                rect->setLayer(QStringLiteral("background"));
                rect->setClipAxisRect(simRect);
                for (QCPItemPosition* p : {rect->topLeft, rect->bottomRight}) {
                    p->setAxisRect(simRect);
                    p->setAxes(sx, sy);
                    p->setTypeY(QCPItemPosition::ptAxisRectRatio);
                }
                rect->topLeft->setCoords(static_cast<double>(b) - 0.45, 0.0);
                rect->bottomRight->setCoords(static_cast<double>(b) + 0.45, 1.0);
                rect->setPen(Qt::NoPen);
                rect->setBrush(QBrush(QColor(0xc6, 0x28, 0x28, 110), Qt::BDiagPattern));
            }
    }
    if (compressed.adjacentSimilarity && !compressed.adjacentSimilarity->empty()) {
        const auto& sim = *compressed.adjacentSimilarity;
        const auto layers = m_session ? m_plan.resultLayers(static_cast<std::int64_t>(m_session->blocks.size()))
                                      : std::vector<std::vector<std::int64_t>>{};
        const bool placed = layers.size() == sim.size();
        QVector<double> keys, values;
        for (std::size_t i = 0; i < sim.size(); ++i) {
            keys << (placed && !layers[i].empty() ? static_cast<double>(layers[i].front()) : static_cast<double>(i));
            values << sim[i];
        }
        auto* g = new QCPGraph(sx, sy);
        g->setData(keys, values, true);
        g->setPen(QPen(kCompressed, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, kCompressed, kCompressed, 6));
        g->setName((compressed.label.isEmpty() ? tr("compressed") : compressed.label) +
                   (placed ? tr(" (at its first original block)") : tr(" (by layer)")));
        PlotStyle::addPlottable(simLegend, g);
        lo = std::min(lo, *std::min_element(values.begin(), values.end()));
        hi = std::max(hi, *std::max_element(values.begin(), values.end()));
        maxX = std::max(maxX, static_cast<std::size_t>(keys.back()) + 1);
    }
    if (hi < lo) {
        lo = 0.0;
        hi = 1.0;
    }
    const double span = std::max(hi - lo, 0.02);
    sy->setRange(lo - 0.1 * span, hi + 0.1 * span);
    sx->setRange(-0.6, static_cast<double>(maxX) - 0.4);
    sx->setLabel(tr("block of the dense model"));
    sy->setLabel(tr("cos(input, output)"));
    PlotStyle::useIntegerTicks(sx);
    simLegend->setVisible(simLegend->itemCount() > 0);
    m_similarity->replot();

    // Explained variance overlay.
    QCPAxisRect* varRect = PlotStyle::reset(m_variance,
                                            m_data && !m_data->spectrumLabel.isEmpty()
                                                ? tr("Cumulative explained variance: %1").arg(m_data->spectrumLabel)
                                                : tr("Cumulative explained variance"));
    QCPAxis* vx = varRect->axis(QCPAxis::atBottom);
    QCPAxis* vy = varRect->axis(QCPAxis::atLeft);
    QCPLegend* varLegend = PlotStyle::addLegend(varRect, Qt::AlignBottom | Qt::AlignRight);
    double maxWidth = 1.0;
    for (const auto& [side, color] : {std::pair{&dense, kDense}, std::pair{&compressed, kCompressed}}) {
        if (!side->explainedVariance || side->explainedVariance->empty())
            continue;
        QVector<double> keys, values;
        for (std::size_t k = 0; k < side->explainedVariance->size(); ++k) {
            keys << static_cast<double>(k);
            values << (*side->explainedVariance)[k];
        }
        auto* g = new QCPGraph(vx, vy);
        g->setData(keys, values, true);
        g->setPen(QPen(color, 2));
        g->setName(side->label.isEmpty() ? (side == &dense ? tr("dense") : tr("compressed")) : side->label);
        PlotStyle::addPlottable(varLegend, g);
        maxWidth = std::max(maxWidth, keys.back());
    }
    vx->setRange(0.0, maxWidth);
    vy->setRange(0.0, 1.02);
    vx->setLabel(tr("kept width k"));
    vy->setLabel(tr("variance kept"));
    varLegend->setVisible(varLegend->itemCount() > 0);
    m_variance->replot();

    // Generations.
    m_prompt->setText(m_data && !m_data->prompt.isEmpty() ? tr("Prompt: %1").arg(m_data->prompt) : QString());
    m_denseLabel->setText(tr("<b>%1</b>").arg((dense.label.isEmpty() ? tr("dense") : dense.label).toHtmlEscaped()));
    m_compressedLabel->setText(
        tr("<b>%1</b>").arg((compressed.label.isEmpty() ? tr("compressed") : compressed.label).toHtmlEscaped()));
    m_denseText->setPlainText(dense.generation);
    m_compressedText->setPlainText(compressed.generation);
}

} // namespace flatslice::ui
