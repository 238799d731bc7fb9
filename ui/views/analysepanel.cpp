#include "analysepanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

namespace flatslice::ui {

namespace {
const char* kCalibrationKey = "calibrationPath";
const char* kEvaluationKey = "evaluationPath";

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

    const QSettings settings;
    m_calibration->setText(settings.value(QLatin1String(kCalibrationKey)).toString());
    m_evaluation->setText(settings.value(QLatin1String(kEvaluationKey)).toString());
    connect(m_calibration, &QLineEdit::editingFinished, this,
            [this] { QSettings().setValue(QLatin1String(kCalibrationKey), m_calibration->text()); });
    connect(m_evaluation, &QLineEdit::editingFinished, this,
            [this] { QSettings().setValue(QLatin1String(kEvaluationKey), m_evaluation->text()); });
}

AnalysisRequest AnalysePanel::request() const
{
    AnalysisRequest r;
    r.calibrationPath = m_calibration->text().trimmed().toStdString();
    r.evaluationPath = m_evaluation->text().trimmed().toStdString();
    r.samples = m_samples->value();
    r.seqlen = m_seqlen->value();
    r.seed = static_cast<std::uint64_t>(m_seed->value());
    r.dtype = m_dtype->currentText().toStdString();
    r.threads = m_threads->value();
    r.batch = m_batch->value();
    return r;
}

void AnalysePanel::setRequest(const AnalysisRequest& r)
{
    m_calibration->setText(QString::fromStdString(r.calibrationPath));
    m_evaluation->setText(QString::fromStdString(r.evaluationPath));
    m_samples->setValue(static_cast<int>(r.samples));
    m_seqlen->setValue(static_cast<int>(r.seqlen));
    m_seed->setValue(static_cast<int>(r.seed));
    m_dtype->setCurrentText(QString::fromStdString(r.dtype));
    m_threads->setValue(r.threads);
    m_batch->setValue(static_cast<int>(r.batch));
}

void AnalysePanel::setCalibrationPath(const QString& path)
{
    m_calibration->setText(path);
}

void AnalysePanel::setRunEnabled(bool enabled)
{
    m_run->setEnabled(enabled);
}

} // namespace flatslice::ui
