// The calibration protocol, visible and editable before an analysis: calibration text, number of windows, window
// length, seed, compute dtype, threads, batch, and (optionally) the evaluation text to check for overlap. Shown on
// the Architecture tab as soon as a model is open; "Analyse" starts the job (MainWindow::startAnalysis). The last
// calibration file is remembered (QSettings). GUI thread only.
#pragma once

#include <QWidget>

#include "jobs/workbenchjobs.h"

class QComboBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace flatslice::ui {

class AnalysePanel : public QWidget {
    Q_OBJECT
public:
    explicit AnalysePanel(QWidget* parent = nullptr);

    // The protocol in the fields (modelPath left empty).
    AnalysisRequest request() const;
    void setRequest(const AnalysisRequest& request);
    void setCalibrationPath(const QString& path);
    void setRunEnabled(bool enabled);

Q_SIGNALS:
    void analyseRequested();

private:
    QLineEdit* m_calibration = nullptr;
    QLineEdit* m_evaluation = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_seqlen = nullptr;
    QSpinBox* m_seed = nullptr;
    QComboBox* m_dtype = nullptr;
    QSpinBox* m_threads = nullptr;
    QSpinBox* m_batch = nullptr;
    QPushButton* m_run = nullptr;
};

} // namespace flatslice::ui
