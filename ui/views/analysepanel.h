// SPDX-License-Identifier: GPL-3.0-or-later
// The editor of the workbench's Protocol, visible before an analysis: calibration text, number of windows, window
// length, seed, compute dtype, threads, batch, and the evaluation text (perplexity; checked for overlap). Shown on
// the Architecture tab as soon as a model is open. It holds no protocol of its own: setProtocol() shows one, and
// every edit is a protocolEdited() with the fields' values (the spin boxes' ranges clamp; when setProtocol had to
// clamp, it reports the clamped values the same way). "Analyse" is analyseRequested(). GUI thread only.
#pragma once

#include <QWidget>

#include "workbench/protocol.h"

class QComboBox;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace flatslice::ui {

class AnalysePanel : public QWidget {
    Q_OBJECT
public:
    explicit AnalysePanel(QWidget* parent = nullptr);

    // The protocol in the fields.
    Protocol protocol() const;
    // Shows `protocol` (a field already showing its value is left alone, so typing is not disturbed).
    void setProtocol(const Protocol& protocol);
    void setRunEnabled(bool enabled);

Q_SIGNALS:
    void protocolEdited(const flatslice::ui::Protocol& protocol);
    // A person finished editing one of the two text paths (worth remembering for the next start).
    void textPathEdited();
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
