// SPDX-License-Identifier: GPL-3.0-or-later
// What a job's work function gets on the worker thread: a core::Progress wired to the JobRunner's progress bar and
// Cancel button, and a log sink for the log panel. Both only store into a mutex-guarded JobState; the JobRunner
// polls it from the GUI thread (so a chatty core call cannot flood the event loop, and nothing ever calls
// processEvents). Thread-safety: JobContext's members may be called from the worker thread; JobState is shared
// by the worker and the runner.
#pragma once

#include <QtGlobal>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/progress.h"

namespace flatslice::ui {

// Shared between one job's worker thread and the JobRunner.
struct JobState {
    quint64 id = 0;
    std::atomic<bool> cancelRequested{false};
    std::mutex mutex; // guards the fields below
    std::int64_t done = 0;
    std::int64_t total = 0;
    std::string message;
    bool progressDirty = false;
    std::vector<std::string> log;
};

class JobContext {
public:
    explicit JobContext(std::shared_ptr<JobState> state);

    // Reports to the progress bar; makes the core call throw core::Cancelled once Cancel was pressed.
    const core::Progress& progress() const { return m_progress; }
    // One line for the log panel.
    void log(const std::string& line) const;
    bool cancelRequested() const { return m_state->cancelRequested.load(); }
    // Throws core::Cancelled if Cancel was pressed (for work between core calls).
    void throwIfCancelled() const;

private:
    std::shared_ptr<JobState> m_state;
    core::Progress m_progress;
};

} // namespace flatslice::ui
