// SPDX-License-Identifier: GPL-3.0-or-later
#include "jobrunner.h"

#include <QLoggingCategory>
#include <QThread>
#include <QTimer>

#include <new>

#include "util/error.h"

namespace flatslice::ui {

Q_LOGGING_CATEGORY(lcJobs, "flatslice.jobs", QtWarningMsg)

namespace {
constexpr int kPollMs = 100;
constexpr int kHeartbeatMs = 10;
} // namespace

JobRunner::JobRunner(QObject* parent) : QObject(parent), m_pollTimer(new QTimer(this)), m_heartbeat(new QTimer(this))
{
    m_pollTimer->setInterval(kPollMs);
    connect(m_pollTimer, &QTimer::timeout, this, &JobRunner::poll);
    m_heartbeat->setInterval(kHeartbeatMs);
    m_heartbeat->setTimerType(Qt::PreciseTimer);
    connect(m_heartbeat, &QTimer::timeout, this, [this] {
        ++m_heartbeatTicks;
        beat();
    });
}

JobRunner::~JobRunner()
{
    for (const auto& state : m_states)
        state->cancelRequested = true;
    for (QThread* thread : m_threads) {
        thread->wait();
        delete thread;
    }
}

quint64 JobRunner::currentJob() const
{
    return m_current ? m_current->id : 0;
}

void JobRunner::cancel()
{
    if (m_current) {
        m_current->cancelRequested = true;
        Q_EMIT logLine(tr("%1: cancelling at the next safe point ...").arg(m_title));
    }
}

quint64 JobRunner::startErased(const QString& title, ErasedWork work)
{
    if (m_current) {
        // The running job becomes stale: ask it to stop; whatever it delivers is dropped.
        m_current->cancelRequested = true;
        Q_EMIT logLine(tr("%1: superseded by %2").arg(m_title, title));
    }
    auto state = std::make_shared<JobState>();
    state->id = ++m_nextId;
    const bool wasBusy = m_current != nullptr;
    m_current = state;
    m_states.append(state);
    m_title = title;
    m_stageTotal = -1;
    m_lastDone = 0;
    m_worstStallMs = 0.0;
    m_heartbeatTicks = 0;
    m_jobClock.start();
    m_stageClock.start();
    m_sinceBeat.start();
    m_heartbeat->start();
    m_pollTimer->start();

    const quint64 id = state->id;
    QThread* thread = QThread::create([this, state, work = std::move(work)] {
        const JobContext context(state);
        Deliver deliver;
        Outcome outcome = Outcome::Done;
        QString message;
        try {
            deliver = work(context);
            if (state->cancelRequested)
                outcome = Outcome::Cancelled;
        } catch (const core::Cancelled&) {
            outcome = Outcome::Cancelled;
        } catch (const std::bad_alloc&) {
            outcome = Outcome::Failed;
            message = tr("out of memory");
        } catch (const std::exception& e) {
            outcome = Outcome::Failed;
            message = QString::fromStdString(e.what());
        } catch (...) {
            outcome = Outcome::Failed;
            message = tr("unknown error");
        }
        // The runner outlives every worker (its destructor waits), so this queued call always has a receiver.
        QMetaObject::invokeMethod(
            this, [this, id = state->id, outcome, deliver, message] { finish(id, outcome, deliver, message); },
            Qt::QueuedConnection);
    });
    thread->setObjectName(QStringLiteral("job %1").arg(id));
    connect(thread, &QThread::finished, this, [this, thread] {
        m_threads.removeOne(thread);
        thread->deleteLater();
    });
    m_threads.append(thread);
    thread->start();
    qCInfo(lcJobs) << "job" << id << "started:" << title;
    Q_EMIT jobStarted(id, title);
    if (!wasBusy)
        Q_EMIT busyChanged(true);
    Q_EMIT logLine(tr("%1: started").arg(title));
    return id;
}

void JobRunner::poll()
{
    if (!m_current)
        return;
    std::int64_t done = 0, total = 0;
    std::string message;
    bool dirty = false;
    std::vector<std::string> lines;
    {
        const std::lock_guard lock(m_current->mutex);
        dirty = m_current->progressDirty;
        m_current->progressDirty = false;
        done = m_current->done;
        total = m_current->total;
        message = m_current->message;
        lines.swap(m_current->log);
    }
    for (const std::string& line : lines)
        Q_EMIT logLine(QString::fromStdString(line));
    if (!dirty)
        return;
    // A stage restarts done/total (compress: load, calibrate, compress, export): the ETA restarts with it.
    if (total != m_stageTotal || done < m_lastDone) {
        m_stageTotal = total;
        m_stageClock.start();
    }
    m_lastDone = done;
    double eta = -1.0;
    if (total > 0 && done > 0 && done <= total) {
        const double elapsed = static_cast<double>(m_stageClock.elapsed()) / 1000.0;
        eta = elapsed * static_cast<double>(total - done) / static_cast<double>(done);
    }
    Q_EMIT progressChanged(m_current->id, done, total, QString::fromStdString(message), eta);
}

void JobRunner::beat()
{
    const double gap = static_cast<double>(m_sinceBeat.nsecsElapsed()) / 1e6;
    m_sinceBeat.start();
    m_worstStallMs = std::max(m_worstStallMs, gap);
}

void JobRunner::finish(quint64 id, Outcome outcome, const Deliver& deliver, const QString& message)
{
    for (qsizetype i = 0; i < m_states.size(); ++i)
        if (m_states[i]->id == id)
            m_states.removeAt(i--);
    if (!m_current || m_current->id != id) {
        qCInfo(lcJobs) << "job" << id << "finished after it was superseded; its result is dropped";
        return;
    }
    poll(); // the last progress and log lines
    m_current.reset();
    m_pollTimer->stop();
    m_heartbeat->stop();
    beat();
    const QString title = m_title;
    const double seconds = static_cast<double>(m_jobClock.elapsed()) / 1000.0;
    Q_EMIT logLine(tr("%1: GUI heartbeat worst gap %2 ms (timer %3 ms) over %4 s")
                       .arg(title)
                       .arg(m_worstStallMs, 0, 'f', 1)
                       .arg(kHeartbeatMs)
                       .arg(seconds, 0, 'f', 1));
    switch (outcome) {
    case Outcome::Done:
        if (deliver)
            deliver();
        Q_EMIT logLine(tr("%1: done in %2 s").arg(title).arg(seconds, 0, 'f', 1));
        Q_EMIT jobFinished(id, title);
        break;
    case Outcome::Cancelled:
        Q_EMIT logLine(tr("%1: cancelled; nothing was kept").arg(title));
        Q_EMIT jobCancelled(id, title);
        break;
    case Outcome::Failed:
        Q_EMIT logLine(tr("%1: failed: %2").arg(title, message));
        Q_EMIT jobFailed(id, title, message);
        break;
    }
    if (!m_current)
        Q_EMIT busyChanged(false);
}

} // namespace flatslice::ui
