// SPDX-License-Identifier: GPL-3.0-or-later
// A one-line progress bar on stderr with rate and ETA, and Ctrl-C as cancellation.
//
// `progress()` returns a core::Progress whose callback redraws at most ten times a second (only when stderr
// is a terminal, or once per 10% otherwise) and returns false once SIGINT has been received, so the core call
// stops at its next safe point and throws Cancelled. Silent for work that finishes within a second.
#pragma once

#include <chrono>
#include <string>

#include "util/progress.h"

namespace flatslice::app {

class ProgressBar {
public:
    explicit ProgressBar(std::string label);
    ~ProgressBar();

    core::Progress progress();
    void finish();

    // Installs the SIGINT handler (once per process).
    static void installInterruptHandler();
    static bool interrupted();

private:
    bool draw(long long done, long long total, const std::string& message);

    std::string m_label;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_lastDraw;
    int m_lastDecile = -1;
    bool m_drawn = false;
    bool m_tty = false;
};

} // namespace flatslice::app
