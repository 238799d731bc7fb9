// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the workbench's long core calls (analyse, compress, evaluate, benchmark, export, session I/O) on worker
// threads, one current job at a time, in the manner of Hotspot's JobTracker:
//  - start() gives each job an id; starting a job while one runs cancels the running one, whose result (or error)
//    is then stale and dropped when it arrives;
//  - the work function returns a value that becomes an immutable shared snapshot; `onResult` receives it on the GUI
//    thread through a queued call, only if the job is still current;
//  - progress, ETA and log lines are polled from the job's JobState every 100 ms (progressChanged, logLine);
//  - core::Cancelled becomes jobCancelled, any other exception jobFailed with its message (one line with context);
//  - a 10 ms heartbeat QTimer on the GUI thread measures the longest gap between its ticks while a job runs
//    (worstStallMs(); logged at the job's end): the GUI's responsiveness under load.
// The destructor cancels every job and waits for the worker threads, so nothing is delivered to a dead receiver.
// GUI thread only (the work functions run on their own threads).
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <type_traits>

#include "jobcontext.h"

class QThread;
class QTimer;

namespace flatslice::ui {

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override;

    // Starts `work(const JobContext&)` on a worker thread; `onResult(const Result&)` runs on the GUI thread when it
    // succeeds and the job is still current. Returns the job id.
    template <typename Work, typename OnResult>
    quint64 start(const QString& title, Work work, OnResult onResult)
    {
        using Result = std::decay_t<std::invoke_result_t<Work&, const JobContext&>>;
        return startErased(title,
                           [work = std::move(work), onResult = std::move(onResult)](
                               const JobContext& context) mutable -> std::function<void()> {
                               auto result = std::make_shared<const Result>(work(context));
                               return [onResult, result] { onResult(*result); };
                           });
    }

    bool isBusy() const { return m_current != nullptr; }
    quint64 currentJob() const;
    QString currentTitle() const { return m_title; }
    // Asks the current job to stop at its next progress report.
    void cancel();
    // The longest gap (ms) between two heartbeat ticks during the current or last job (nominal: 10 ms), the last
    // gap (up to the job's end) included.
    double worstStallMs() const { return m_worstStallMs; }
    // How many times the heartbeat timer fired during the current or last job: 0 means worstStallMs() measured
    // nothing but the job's whole run.
    int heartbeatTicks() const { return m_heartbeatTicks; }

Q_SIGNALS:
    void jobStarted(quint64 id, const QString& title);
    // `total` 0: unknown. `etaSeconds` < 0: unknown. The message is the core's ("load", "block 3/30", ...).
    void progressChanged(quint64 id, qint64 done, qint64 total, const QString& message, double etaSeconds);
    void logLine(const QString& line);
    void jobFinished(quint64 id, const QString& title);
    void jobFailed(quint64 id, const QString& title, const QString& message);
    void jobCancelled(quint64 id, const QString& title);
    void busyChanged(bool busy);

private:
    using Deliver = std::function<void()>;
    using ErasedWork = std::function<Deliver(const JobContext&)>;
    enum class Outcome { Done, Failed, Cancelled };

    quint64 startErased(const QString& title, ErasedWork work);
    void finish(quint64 id, Outcome outcome, const Deliver& deliver, const QString& message);
    void poll();
    void beat();

    quint64 m_nextId = 0;
    std::shared_ptr<JobState> m_current;
    QString m_title;
    QList<QThread*> m_threads;
    QList<std::shared_ptr<JobState>> m_states; // every job still running, current or stale
    QTimer* m_pollTimer = nullptr;
    QTimer* m_heartbeat = nullptr;
    QElapsedTimer m_sinceBeat;
    QElapsedTimer m_jobClock;
    QElapsedTimer m_stageClock;
    std::int64_t m_stageTotal = -1;
    std::int64_t m_lastDone = 0;
    double m_worstStallMs = 0.0;
    int m_heartbeatTicks = 0;
};

} // namespace flatslice::ui
