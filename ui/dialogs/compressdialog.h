// SPDX-License-Identifier: GPL-3.0-or-later
// "Export compressed model": where and how to write the result of the current plan (Hugging Face directory or GGUF,
// stored type), the calibration windows the compressor prunes on, and an optional perplexity measurement after the
// export. The job itself is core::runCompressionJob; this dialog only fills CompressionJobOptions (model path and
// plan are the window's). GUI thread only.
#pragma once

#include <QDialog>

#include "jobs/compressionjob.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace flatslice::ui {

class CompressDialog : public QDialog {
    Q_OBJECT
public:
    explicit CompressDialog(QWidget* parent = nullptr);

    // Pre-fills from a protocol (calibration file, windows, length, seed) and a suggested output path.
    void setDefaults(const QString& outputPath, const QString& calibrationPath, qint64 samples, qint64 seqlen,
                     quint64 seed, const QString& evalPath);
    // Everything but modelPath and plan.
    core::CompressionJobOptions options() const;

private:
    void updateTypes();

    QLineEdit* m_output = nullptr;
    QComboBox* m_format = nullptr;
    QComboBox* m_type = nullptr;
    QCheckBox* m_overwrite = nullptr;
    QLineEdit* m_calibration = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_seqlen = nullptr;
    QSpinBox* m_seed = nullptr;
    QLineEdit* m_eval = nullptr;
    QSpinBox* m_evalTokens = nullptr;
};

} // namespace flatslice::ui
