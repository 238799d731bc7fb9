// SPDX-License-Identifier: GPL-3.0-or-later
#include "compressdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace flatslice::ui {

CompressDialog::CompressDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Compress and export"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Applies the plan to the model, writes the result and reloads it to check that the "
                                "written files give the same perplexity as the model in memory (self-check)."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto* form = new QFormLayout;
    m_output = new QLineEdit;
    auto* outputRow = new QHBoxLayout;
    outputRow->addWidget(m_output, 1);
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("..."));
    outputRow->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this] {
        const bool gguf = m_format->currentIndex() == 1;
        const QString path = gguf ? QFileDialog::getSaveFileName(this, tr("GGUF file"), m_output->text(),
                                                                 tr("GGUF (*.gguf)"))
                                  : QFileDialog::getSaveFileName(this, tr("Output directory (created)"),
                                                                 m_output->text());
        if (!path.isEmpty())
            m_output->setText(path);
    });
    m_format = new QComboBox;
    m_format->addItem(tr("Hugging Face directory (safetensors)"));
    m_format->addItem(tr("GGUF file"));
    m_type = new QComboBox;
    m_overwrite = new QCheckBox(tr("Replace an existing output"));
    m_calibration = new QLineEdit;
    m_samples = new QSpinBox;
    m_samples->setRange(1, 4096);
    m_samples->setValue(32);
    m_seqlen = new QSpinBox;
    m_seqlen->setRange(16, 8192);
    m_seqlen->setValue(256);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 2147483647);
    m_seed->setValue(42);
    m_eval = new QLineEdit;
    m_eval->setPlaceholderText(tr("optional: measure perplexity of the export on this text"));
    m_evalTokens = new QSpinBox;
    m_evalTokens->setRange(256, 1 << 22);
    m_evalTokens->setSingleStep(1024);
    m_evalTokens->setValue(8192);
    form->addRow(tr("Output"), outputRow);
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Stored type"), m_type);
    form->addRow(QString(), m_overwrite);
    form->addRow(tr("Calibration text"), m_calibration);
    form->addRow(tr("Windows"), m_samples);
    form->addRow(tr("Window length"), m_seqlen);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Evaluate on"), m_eval);
    form->addRow(tr("Evaluation tokens"), m_evalTokens);
    layout->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Compress"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    connect(m_format, &QComboBox::currentIndexChanged, this, &CompressDialog::updateTypes);
    updateTypes();
    resize(560, sizeHint().height());
}

void CompressDialog::updateTypes()
{
    const bool gguf = m_format->currentIndex() == 1;
    m_type->clear();
    if (gguf)
        m_type->addItems(
            {QStringLiteral("f16"), QStringLiteral("q8_0"), QStringLiteral("bf16"), QStringLiteral("f32")});
    else
        m_type->addItems({QStringLiteral("f32"), QStringLiteral("bf16")});
    QString out = m_output->text();
    if (gguf && !out.isEmpty() && !out.endsWith(QStringLiteral(".gguf")))
        m_output->setText(out + QStringLiteral(".gguf"));
    else if (!gguf && out.endsWith(QStringLiteral(".gguf")))
        m_output->setText(out.chopped(5));
}

void CompressDialog::setDefaults(const QString& outputPath, const QString& calibrationPath, qint64 samples,
                                 qint64 seqlen, quint64 seed, const QString& evalPath)
{
    m_output->setText(outputPath);
    m_calibration->setText(calibrationPath);
    m_samples->setValue(static_cast<int>(samples));
    m_seqlen->setValue(static_cast<int>(seqlen));
    m_seed->setValue(static_cast<int>(seed));
    m_eval->setText(evalPath);
}

core::CompressionJobOptions CompressDialog::options() const
{
    core::CompressionJobOptions o;
    o.outputPath = m_output->text().trimmed().toStdString();
    o.format = m_format->currentIndex() == 1 ? core::ExportFormat::Gguf : core::ExportFormat::HuggingFace;
    o.outputType = m_type->currentText().toStdString();
    o.overwrite = m_overwrite->isChecked();
    o.calibrationPath = m_calibration->text().trimmed().toStdString();
    o.samples = m_samples->value();
    o.seqlen = m_seqlen->value();
    o.seed = static_cast<std::uint64_t>(m_seed->value());
    o.evalPath = m_eval->text().trimmed().toStdString();
    o.evalMaxTokens = m_evalTokens->value();
    return o;
}

} // namespace flatslice::ui
