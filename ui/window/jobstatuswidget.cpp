// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobstatuswidget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

#include <algorithm>
#include <cmath>

#include "jobs/jobrunner.h"

namespace flatslice::ui {

JobStatusWidget::JobStatusWidget(JobRunner* jobs, QWidget* parent) : QWidget(parent), m_jobs(jobs)
{
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_label = new QLabel;
    m_progress = new QProgressBar;
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_cancel = new QToolButton;
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    layout->addWidget(m_label);
    layout->addWidget(m_progress);
    layout->addWidget(m_cancel);
    hide();

    connect(m_cancel, &QToolButton::clicked, jobs, &JobRunner::cancel);
    connect(jobs, &JobRunner::jobStarted, this, [this](quint64, const QString& title) {
        m_label->setText(title);
        m_progress->setRange(0, 0);
        show();
    });
    connect(jobs, &JobRunner::progressChanged, this,
            [this](quint64, qint64 done, qint64 total, const QString& message, double eta) {
                if (total > 0) {
                    m_progress->setRange(0, 1000);
                    m_progress->setValue(static_cast<int>(1000 * std::min(done, total) / total));
                } else {
                    m_progress->setRange(0, 0);
                }
                const QString etaText = formatEta(eta);
                m_label->setText(etaText.isEmpty()
                                     ? tr("%1: %2").arg(m_jobs->currentTitle(), message)
                                     : tr("%1: %2 (ETA %3)").arg(m_jobs->currentTitle(), message, etaText));
            });
    connect(jobs, &JobRunner::busyChanged, this, [this](bool busy) {
        if (!busy)
            hide();
    });
}

QString JobStatusWidget::formatEta(double seconds)
{
    if (seconds < 0 || !std::isfinite(seconds))
        return {};
    const auto s = static_cast<qint64>(std::llround(seconds));
    return s >= 60 ? QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'))
                   : QStringLiteral("%1 s").arg(s);
}

} // namespace flatslice::ui
