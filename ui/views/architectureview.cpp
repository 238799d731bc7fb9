// SPDX-License-Identifier: GPL-3.0-or-later
#include "architectureview.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "analysepanel.h"

namespace flatslice::ui {

namespace {

QString grouped(qint64 n)
{
    return QLocale(QLocale::English).toString(n);
}

// A horizontal bar chart of labelled values (one bar per row), with the value printed at each bar's end.
void fillBars(QCustomPlot* plot, const QString& title, const QVector<QString>& labels, const QVector<double>& values,
              const QString& unit)
{
    plot->clearPlottables();
    plot->clearItems();
    plot->plotLayout()->clear();
    auto* rect = new QCPAxisRect(plot);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont(QStringLiteral("DejaVu Sans"), 11)));
    plot->plotLayout()->addElement(1, 0, rect);
    QCPAxis* keyAxis = rect->axis(QCPAxis::atLeft);
    QCPAxis* valueAxis = rect->axis(QCPAxis::atBottom);
    auto* bars = new QCPBars(keyAxis, valueAxis);
    bars->setBrush(QColor(52, 101, 164));
    bars->setPen(Qt::NoPen);
    bars->setWidth(0.6);
    QVector<double> keys;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double maxValue = 0.0;
    for (int i = 0; i < labels.size(); ++i) {
        keys << i + 1;
        ticker->addTick(i + 1, labels[i]);
        maxValue = std::max(maxValue, values[i]);
    }
    bars->setData(keys, values);
    keyAxis->setTicker(ticker);
    keyAxis->setRange(0.3, static_cast<double>(labels.size()) + 0.7);
    keyAxis->setRangeReversed(true);
    keyAxis->grid()->setVisible(false);
    valueAxis->setRange(0, maxValue > 0 ? maxValue * 1.4 : 1.0); // room for the value labels
    valueAxis->setLabel(unit);
    for (int i = 0; i < labels.size(); ++i) {
        auto* text = new QCPItemText(plot);
        text->setClipAxisRect(rect);
        text->position->setAxes(valueAxis, keyAxis);
        text->position->setCoords(values[i], keys[i]);
        text->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        text->setPadding(QMargins(6, 0, 0, 0));
        text->setText(QString::number(values[i], 'f', values[i] < 10 ? 2 : 1));
    }
    plot->replot();
}

} // namespace

ArchitectureView::ArchitectureView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_hint = new QLabel(tr("Open a model: File > Open (a Hugging Face directory or a .gguf file), or drop it here."));
    m_hint->setWordWrap(true);
    layout->addWidget(m_hint);
    auto* splitter = new QSplitter(Qt::Horizontal);
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    m_table = new QTableWidget(0, 2);
    m_table->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(22);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    leftLayout->addWidget(m_table, 1);
    m_analyse = new AnalysePanel;
    leftLayout->addWidget(m_analyse);
    splitter->addWidget(left);
    auto* plots = new QSplitter(Qt::Vertical);
    m_partsPlot = new QCustomPlot;
    m_typesPlot = new QCustomPlot;
    plots->addWidget(m_partsPlot);
    plots->addWidget(m_typesPlot);
    splitter->addWidget(plots);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({440, 560});
    layout->addWidget(splitter, 1);
}

QString ArchitectureView::hint() const
{
    return m_hint->text();
}

void ArchitectureView::setSummary(const core::ModelSummary& s)
{
    const core::ModelConfig& c = s.config;
    m_hint->setText(tr("<b>What am I looking at?</b> The model's shape as the checkpoint declares it, and where "
                       "its parameters live. Attention and MLP weights are what FlattenGPT merges across blocks "
                       "and what SliceGPT narrows; embeddings and the head only shrink with slicing. Analyse it "
                       "(below) to see where it is redundant."));
    const QList<QPair<QString, QString>> rows = {
        {tr("File"), QString::fromStdString(s.path)},
        {tr("Format"), QString::fromStdString(s.format)},
        {tr("Architecture"), QString::fromStdString(c.architecture)},
        {tr("Layers"), QString::number(c.numLayers)},
        {tr("Hidden size"), QString::number(c.hiddenSize)},
        {tr("Intermediate size"), QString::number(c.intermediateSize)},
        {tr("Attention heads"), tr("%1 (head dim %2)").arg(c.numHeads).arg(c.headDim)},
        {tr("KV heads"), QString::number(c.numKvHeads)},
        {tr("Vocabulary"), grouped(c.vocabSize)},
        {tr("Context"), grouped(c.maxPositionEmbeddings)},
        {tr("RoPE theta"), QString::number(c.ropeTheta)},
        {tr("Tied head"), c.tieWordEmbeddings ? tr("yes") : tr("no")},
        {tr("Parameters"), grouped(s.totalParams())},
        {tr("Tensors"), QString::number(s.tensorCount)},
        {tr("On disk"), tr("%1 MB").arg(static_cast<double>(s.bytesOnDisk) / 1e6, 0, 'f', 1)},
    };
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
        m_table->setItem(i, 0, new QTableWidgetItem(rows[i].first));
        m_table->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    }
    m_table->resizeColumnToContents(0);

    const double m = 1e6;
    fillBars(m_partsPlot, tr("Parameters by part (millions)"),
             {tr("embeddings"), tr("attention"), tr("MLP"), tr("norms"),
              c.tieWordEmbeddings && s.headParams == 0 ? tr("head (tied)") : tr("head")},
             {static_cast<double>(s.embeddingParams) / m, static_cast<double>(s.attentionParams) / m,
              static_cast<double>(s.mlpParams) / m, static_cast<double>(s.normParams) / m,
              static_cast<double>(s.headParams) / m},
             tr("million parameters"));
    QVector<QString> types;
    QVector<double> bytes;
    for (const auto& [type, count] : s.bytesByStoredType) {
        types << tr("%1 (%2 tensors)").arg(QString::fromStdString(type)).arg(s.tensorsByStoredType.at(type));
        bytes << static_cast<double>(count) / m;
    }
    fillBars(m_typesPlot, tr("Bytes on disk by stored type (MB)"), types, bytes, tr("MB"));
}

} // namespace flatslice::ui
