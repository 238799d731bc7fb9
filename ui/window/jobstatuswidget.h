// SPDX-License-Identifier: GPL-3.0-or-later
// The status bar's job indicator: the running job's title and message with its ETA, a progress bar (busy when the
// total is unknown) and a Cancel button, all hidden while no job runs. Follows one JobRunner. GUI thread only.
#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QToolButton;

namespace flatslice::ui {

class JobRunner;

class JobStatusWidget : public QWidget {
    Q_OBJECT
public:
    explicit JobStatusWidget(JobRunner* jobs, QWidget* parent = nullptr);

    // "12 s", "2:05"; empty for an unknown (negative or infinite) ETA.
    static QString formatEta(double seconds);

private:
    JobRunner* m_jobs;
    QLabel* m_label = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancel = nullptr;
};

} // namespace flatslice::ui
