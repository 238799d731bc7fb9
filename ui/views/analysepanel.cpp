// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysepanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace flatslice::ui {

namespace {

QWidget* fileRow(QLineEdit* edit, QWidget* parent, const QString& title)
{
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("..."));
    layout->addWidget(browse);
    QObject::connect(browse, &QToolButton::clicked, parent, [edit, parent, title] {
        const QString path = QFileDialog::getOpenFileName(parent, title, edit->text(),
                                                          QObject::tr("Text (*.txt *.raw);;All files (*)"));
        if (!path.isEmpty())
            edit->setText(path);
    });
    return row;
}
} // namespace

AnalysePanel::AnalysePanel(QWidget* parent) : QWidget(parent)
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* box = new QGroupBox(tr("Analyse redundancy: calibration protocol"));
    auto* form = new QFormLayout(box);
    m_calibration = new QLineEdit;
    m_calibration->setObjectName(QStringLiteral("calibrationPath"));
    m_calibration->setPlaceholderText(tr("a plain text file, e.g. wikitext-2 valid.txt"));
    m_evaluation = new QLineEdit;
    m_evaluation->setPlaceholderText(tr("optional: the text you will measure perplexity on (overlap check)"));
    m_samples = new QSpinBox;
    m_samples->setRange(1, 4096);
    m_samples->setValue(32);
    m_samples->setToolTip(tr("Calibration windows drawn from the text (SliceGPT uses 1024, FlattenGPT 128)"));
    m_seqlen = new QSpinBox;
    m_seqlen->setRange(16, 8192);
    m_seqlen->setSingleStep(64);
    m_seqlen->setValue(256);
    m_seqlen->setSuffix(tr(" tokens"));
    m_seed = new QSpinBox;
    m_seed->setRange(0, 2147483647);
    m_seed->setValue(42);
    m_dtype = new QComboBox;
    m_dtype->addItems({QStringLiteral("f32"), QStringLiteral("bf16")});
    m_threads = new QSpinBox;
    m_threads->setRange(0, 256);
    m_threads->setSpecialValueText(tr("all cores (%1)").arg(QThread::idealThreadCount()));
    m_batch = new QSpinBox;
    m_batch->setRange(1, 64);
    form->addRow(tr("Calibration text"), fileRow(m_calibration, this, tr("Calibration text")));
    form->addRow(tr("Windows"), m_samples);
    form->addRow(tr("Window length"), m_seqlen);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Compute dtype"), m_dtype);
    form->addRow(tr("Threads"), m_threads);
    form->addRow(tr("Batch"), m_batch);
    form->addRow(tr("Evaluation text"), fileRow(m_evaluation, this, tr("Evaluation text")));
    m_run = new QPushButton(tr("Analyse"));
    m_run->setObjectName(QStringLiteral("analyseButton"));
    m_run->setDefault(true);
    m_run->setEnabled(false);
    connect(m_run, &QPushButton::clicked, this, &AnalysePanel::analyseRequested);
    form->addRow(QString(), m_run);
    outer->addWidget(box);

    // Every edit goes out at once (a shortcut may start the analysis while a path field still has focus).
    const auto edited = [this] { Q_EMIT protocolEdited(protocol()); };
    for (QLineEdit* edit : {m_calibration, m_evaluation}) {
        connect(edit, &QLineEdit::textChanged, this, edited);
        connect(edit, &QLineEdit::editingFinished, this, &AnalysePanel::textPathEdited);
    }
    for (QSpinBox* spin : {m_samples, m_seqlen, m_seed, m_threads, m_batch})
        connect(spin, &QSpinBox::valueChanged, this, edited);
    connect(m_dtype, &QComboBox::currentIndexChanged, this, edited);
}

Protocol AnalysePanel::protocol() const
{
    Protocol p;
    p.calibrationPath = m_calibration->text().trimmed().toStdString();
    p.evaluationPath = m_evaluation->text().trimmed().toStdString();
    p.samples = m_samples->value();
    p.seqlen = m_seqlen->value();
    p.seed = static_cast<std::uint64_t>(m_seed->value());
    p.dtype = m_dtype->currentText().toStdString();
    p.threads = m_threads->value();
    p.batch = m_batch->value();
    return p;
}

void AnalysePanel::setProtocol(const Protocol& p)
{
    {
        const QSignalBlocker blockers[] = {QSignalBlocker(m_calibration), QSignalBlocker(m_evaluation),
                                           QSignalBlocker(m_samples),     QSignalBlocker(m_seqlen),
                                           QSignalBlocker(m_seed),        QSignalBlocker(m_dtype),
                                           QSignalBlocker(m_threads),     QSignalBlocker(m_batch)};
        const auto setText = [](QLineEdit* edit, const std::string& text) {
            const QString value = QString::fromStdString(text);
            if (edit->text().trimmed() != value)
                edit->setText(value);
        };
        setText(m_calibration, p.calibrationPath);
        setText(m_evaluation, p.evaluationPath);
        m_samples->setValue(static_cast<int>(std::min<std::int64_t>(p.samples, m_samples->maximum())));
        m_seqlen->setValue(static_cast<int>(std::min<std::int64_t>(p.seqlen, m_seqlen->maximum())));
        m_seed->setValue(
            static_cast<int>(std::min<std::uint64_t>(p.seed, static_cast<std::uint64_t>(m_seed->maximum()))));
        m_dtype->setCurrentText(QString::fromStdString(p.dtype));
        m_threads->setValue(p.threads);
        m_batch->setValue(static_cast<int>(std::min<std::int64_t>(p.batch, m_batch->maximum())));
    }
    if (const Protocol shown = protocol(); !(shown == p))
        Q_EMIT protocolEdited(shown); // the ranges clamped something: the clamped protocol is the one that runs
}

void AnalysePanel::setRunEnabled(bool enabled)
{
    m_run->setEnabled(enabled);
}

} // namespace flatslice::ui
