// SPDX-License-Identifier: GPL-3.0-or-later
#include "planpanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QTableView>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>

#include "plandocument.h"
#include "slicetablemodel.h"

namespace flatslice::ui {

namespace {

QString millions(std::int64_t n)
{
    return QStringLiteral("%1 M").arg(static_cast<double>(n) / 1e6, 0, 'f', 2);
}

QString megabytes(std::int64_t bytes)
{
    return QStringLiteral("%1 MB").arg(static_cast<double>(bytes) / 1e6, 0, 'f', 1);
}

QString gflops(double flops)
{
    return QStringLiteral("%1 G").arg(flops / 1e9, 0, 'f', 3);
}

QString blocksText(const std::vector<std::int64_t>& blocks)
{
    QStringList parts;
    for (const std::int64_t b : blocks)
        parts << QString::number(b);
    return parts.join(QLatin1Char('+'));
}

} // namespace

PlanPanel::PlanPanel(QWidget* parent) : QWidget(parent), m_binding(this, [this](const core::Plan&) { refresh(); })
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(4, 4, 4, 4);

    // Suggest
    auto* suggestBox = new QGroupBox(tr("Suggest from the analysis"));
    auto* suggestLayout = new QVBoxLayout(suggestBox);
    auto* suggestRow = new QHBoxLayout;
    m_method = new QComboBox;
    m_method->addItem(tr("Flatten pairs (FlattenGPT)"));
    m_method->addItem(tr("Drop blocks (ShortGPT)"));
    m_share = new QSpinBox;
    m_share->setRange(1, 75);
    m_share->setValue(10); // a light plan: SmolLM2-size models lose a lot beyond ~10% (docs/results.md)
    m_share->setSuffix(tr(" % of blocks"));
    m_suggest = new QPushButton(tr("Suggest"));
    m_suggest->setObjectName(QStringLiteral("suggestButton"));
    m_suggest->setToolTip(tr("Replace the plan with the most redundant blocks of the session (one undo step)"));
    m_suggest->setEnabled(false);
    suggestLayout->addWidget(m_method);
    suggestRow->addWidget(m_share, 1);
    suggestRow->addWidget(m_suggest);
    suggestLayout->addLayout(suggestRow);
    connect(m_suggest, &QPushButton::clicked, this,
            [this] { Q_EMIT suggestRequested(m_share->value() / 100.0, m_method->currentIndex() == 1); });
    outer->addWidget(suggestBox);

    // Flatten and drop lists
    auto* structure = new QGroupBox(tr("Blocks"));
    auto* structureLayout = new QHBoxLayout(structure);
    auto makeList = [&](const QString& title, QListWidget*& list, const QString& name) {
        auto* column = new QVBoxLayout;
        column->addWidget(new QLabel(title));
        list = new QListWidget;
        list->setObjectName(name);
        list->setMaximumHeight(110);
        column->addWidget(list);
        auto* remove = new QPushButton(tr("Remove"));
        column->addWidget(remove);
        structureLayout->addLayout(column);
        return remove;
    };
    QPushButton* removeFlatten = makeList(tr("Flatten groups"), m_flatten, QStringLiteral("flattenList"));
    QPushButton* removeDrop = makeList(tr("Dropped"), m_drop, QStringLiteral("dropList"));
    connect(removeFlatten, &QPushButton::clicked, this, [this] {
        const int row = m_flatten->currentRow();
        if (!m_binding.document() || row < 0 || row >= static_cast<int>(m_binding.document()->plan().flatten.size()))
            return;
        core::Plan next = m_binding.document()->plan();
        next.flatten.erase(next.flatten.begin() + row);
        m_binding.document()->replacePlan(next, tr("Remove flatten group"));
    });
    connect(removeDrop, &QPushButton::clicked, this, [this] {
        const int row = m_drop->currentRow();
        if (m_binding.document() && row >= 0 && row < static_cast<int>(m_binding.document()->plan().drop.size()))
            m_binding.document()->toggleDrop(m_binding.document()->plan().drop[static_cast<std::size_t>(row)]);
    });
    outer->addWidget(structure);

    // Slicing
    auto* sliceBox = new QGroupBox(tr("Slice the residual stream (SliceGPT)"));
    auto* sliceLayout = new QVBoxLayout(sliceBox);
    auto* sliderRow = new QHBoxLayout;
    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setObjectName(QStringLiteral("sliceSlider"));
    m_slider->setRange(0, 50);
    m_slider->setPageStep(5);
    m_slider->setToolTip(tr("Fraction of the hidden size removed in every layer (global ratio)"));
    m_rounding = new QComboBox;
    for (const int r : {1, 8, 16, 32, 64, 128})
        m_rounding->addItem(tr("round %1").arg(r), r);
    m_rounding->setCurrentIndex(1);
    m_rounding->setToolTip(tr("Widths are rounded down to a multiple of this (hardware-friendly shapes)"));
    sliderRow->addWidget(m_slider, 1);
    sliderRow->addWidget(m_rounding);
    sliceLayout->addLayout(sliderRow);
    m_sliceLabel = new QLabel;
    m_sliceLabel->setWordWrap(true);
    sliceLayout->addWidget(m_sliceLabel);
    m_table = new QTableView;
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->horizontalHeader()->setMinimumSectionSize(40);
    m_table->verticalHeader()->setDefaultSectionSize(20);
    m_table->setMinimumHeight(120);
    sliceLayout->addWidget(m_table, 1);
    connect(m_slider, &QSlider::valueChanged, this, [this](int v) {
        if (m_binding.document())
            m_binding.document()->setSliceRatio(v / 100.0);
    });
    connect(m_rounding, &QComboBox::currentIndexChanged, this, [this] {
        if (m_binding.document())
            m_binding.document()->setSliceRounding(m_rounding->currentData().toLongLong());
    });
    outer->addWidget(sliceBox, 1);

    // Estimates and warnings
    auto* estimateBox = new QGroupBox(tr("Estimate (no model run)"));
    auto* estimateLayout = new QVBoxLayout(estimateBox);
    m_estimate = new QLabel;
    m_estimate->setObjectName(QStringLiteral("estimateLabel"));
    m_estimate->setTextFormat(Qt::RichText);
    m_estimate->setTextInteractionFlags(Qt::TextSelectableByMouse);
    estimateLayout->addWidget(m_estimate);
    m_warnings = new QLabel;
    m_warnings->setWordWrap(true);
    m_warnings->setStyleSheet(QStringLiteral("color: #a15c00"));
    estimateLayout->addWidget(m_warnings);
    outer->addWidget(estimateBox);

    // File buttons
    auto* buttons = new QHBoxLayout;
    auto* load = new QPushButton(tr("Load plan..."));
    auto* save = new QPushButton(tr("Save plan..."));
    auto* clear = new QPushButton(tr("Clear"));
    buttons->addWidget(load);
    buttons->addWidget(save);
    buttons->addWidget(clear);
    connect(load, &QPushButton::clicked, this, &PlanPanel::loadRequested);
    connect(save, &QPushButton::clicked, this, &PlanPanel::saveRequested);
    connect(clear, &QPushButton::clicked, this, [this] {
        if (m_binding.document())
            m_binding.document()->replacePlan(core::Plan{}, tr("Clear plan"));
    });
    outer->addLayout(buttons);
    refresh();
}

void PlanPanel::setPlanDocument(PlanDocument* document)
{
    // The width table is a model of the document: a new document, a new model.
    SliceTableModel* old = m_sliceModel;
    m_sliceModel = document ? new SliceTableModel(document, this) : nullptr;
    m_table->setModel(m_sliceModel);
    delete old;
    m_binding.bind(document);
    if (!document)
        refresh();
}

void PlanPanel::setSuggestEnabled(bool enabled)
{
    m_suggest->setEnabled(enabled);
}

void PlanPanel::refresh()
{
    m_flatten->clear();
    m_drop->clear();
    if (!m_binding.document()) {
        m_slider->setEnabled(false);
        m_sliceLabel->setText(tr("No model"));
        m_estimate->setText(tr("Open a model to estimate a plan."));
        m_warnings->clear();
        return;
    }
    const core::Plan& plan = m_binding.document()->plan();
    for (const auto& group : plan.flatten)
        m_flatten->addItem(tr("blocks %1").arg(blocksText(group)));
    for (const std::int64_t b : plan.drop)
        m_drop->addItem(tr("block %1").arg(b));
    {
        const QSignalBlocker block(m_slider);
        m_slider->setValue(static_cast<int>(std::lround(m_binding.document()->sliceRatio() * 100.0)));
        m_slider->setEnabled(m_binding.document()->hasModel());
    }
    {
        const QSignalBlocker block(m_rounding);
        const int index = m_rounding->findData(static_cast<int>(m_binding.document()->sliceRounding()));
        if (index >= 0)
            m_rounding->setCurrentIndex(index);
    }
    const auto& estimate = m_binding.document()->estimate();
    if (!m_binding.document()->hasModel() || !estimate) {
        m_sliceLabel->setText(tr("No model"));
        m_estimate->setText(tr("Open a model to estimate a plan."));
        m_warnings->clear();
        return;
    }
    const std::int64_t hidden = m_binding.document()->config().hiddenSize;
    if (!plan.slice) {
        m_sliceLabel->setText(tr("Not slicing: every layer keeps the full width %1").arg(hidden));
    } else if (plan.slice->ratio) {
        const std::int64_t w = core::slicedWidth(hidden, *plan.slice->ratio, plan.slice->rounding);
        m_sliceLabel->setText(
            tr("Slicing %1%: width %2 of %3 everywhere").arg(*plan.slice->ratio * 100.0, 0, 'f', 0).arg(w).arg(hidden));
    } else {
        m_sliceLabel->setText(tr("Slicing per layer (edit the table); hidden size %1").arg(hidden));
    }
    const core::ModelCost& d = estimate->dense;
    const core::ModelCost& c = estimate->compressed;
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    const double prefillSpeedup = ratio(d.prefillFlopsPerToken(), c.prefillFlopsPerToken());
    const double decodeSpeedup = ratio(static_cast<double>(d.weightBytes.bf16 + d.kvCacheBytesPerToken.bf16 * 512),
                                       static_cast<double>(c.weightBytes.bf16 + c.kvCacheBytesPerToken.bf16 * 512));
    const QString row = QStringLiteral("<tr><td>%1</td><td align=right>%2</td><td align=right>%3</td></tr>");
    QString html = QStringLiteral(
                       "<table cellspacing=2><tr><th></th><th align=right>%1</th><th align=right>%2</th></tr>")
                       .arg(tr("dense"), tr("plan"));
    html += row.arg(tr("layers")).arg(d.layers).arg(c.layers);
    html += row.arg(tr("parameters"), millions(d.params.total()), millions(c.params.total()));
    html += row.arg(tr("removed"), QString(),
                    QStringLiteral("<b>%1%</b>").arg(estimate->removedRatio * 100.0, 0, 'f', 2));
    html += row.arg(tr("FLOP/tok prefill"), gflops(d.prefillFlopsPerToken()), gflops(c.prefillFlopsPerToken()));
    html += row.arg(tr("FLOP/tok decode"), gflops(d.decodeFlopsPerToken()), gflops(c.decodeFlopsPerToken()));
    html += row.arg(tr("weights bf16"), megabytes(d.weightBytes.bf16), megabytes(c.weightBytes.bf16));
    html += row.arg(tr("weights f32"), megabytes(d.weightBytes.f32), megabytes(c.weightBytes.f32));
    html += row.arg(tr("KV cache/tok bf16"),
                    QStringLiteral("%1 kB").arg(static_cast<double>(d.kvCacheBytesPerToken.bf16) / 1e3, 0, 'f', 1),
                    QStringLiteral("%1 kB").arg(static_cast<double>(c.kvCacheBytesPerToken.bf16) / 1e3, 0, 'f', 1));
    html += QStringLiteral("</table>");
    html += tr("Expected speedup: <b>×%1</b> prefill, <b>×%2</b> decode")
                .arg(prefillSpeedup, 0, 'f', 2)
                .arg(decodeSpeedup, 0, 'f', 2);
    m_estimate->setText(html);
    m_estimate->setToolTip(tr("Prefill speedup: ratio of FLOPs per token over a 512-token prompt. Decode speedup: "
                              "ratio of bytes read per token (bf16 weights + KV cache at 512 positions); decoding "
                              "is memory-bound. Measure with Jobs > Benchmark."));
    QStringList warnings;
    for (const std::string& w : estimate->warnings)
        warnings << QString::fromStdString(w);
    m_warnings->setText(warnings.join(QLatin1Char('\n')));
    m_warnings->setVisible(!warnings.isEmpty());
}

} // namespace flatslice::ui
