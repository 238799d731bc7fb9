// SPDX-License-Identifier: GPL-3.0-or-later
#include "progressbar.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace flatslice::app {

namespace {
std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int)
{
    // A second Ctrl-C falls through to the default action: the user insists.
    if (g_interrupted.exchange(true))
        std::_Exit(130);
}
} // namespace

ProgressBar::ProgressBar(std::string label)
    : m_label(std::move(label)), m_start(std::chrono::steady_clock::now()), m_lastDraw(m_start),
      m_tty(::isatty(STDERR_FILENO) != 0)
{
}

ProgressBar::~ProgressBar()
{
    finish();
}

void ProgressBar::installInterruptHandler()
{
    static bool installed = false;
    if (!installed) {
        std::signal(SIGINT, onInterrupt);
        installed = true;
    }
}

bool ProgressBar::interrupted()
{
    return g_interrupted.load();
}

core::Progress ProgressBar::progress()
{
    return core::Progress([this](std::int64_t done, std::int64_t total, std::string_view message) {
        return draw(done, total, std::string(message));
    });
}

bool ProgressBar::draw(long long done, long long total, const std::string& message)
{
    if (g_interrupted.load())
        return false;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    if (elapsed < 1.0)
        return true;
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    if (m_tty) {
        if (std::chrono::duration<double>(now - m_lastDraw).count() < 0.1 && done < total)
            return true;
    } else {
        const int decile = static_cast<int>(fraction * 10.0);
        if (decile == m_lastDecile)
            return true;
        m_lastDecile = decile;
    }
    m_lastDraw = now;
    constexpr int width = 28;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    char eta[32] = "";
    if (fraction > 0.0 && fraction < 1.0)
        std::snprintf(eta, sizeof eta, " ETA %.0fs", elapsed * (1.0 - fraction) / fraction);
    std::string shown = message.size() > 48 ? message.substr(0, 45) + "..." : message;
    std::fprintf(stderr, "%s%s [%s] %3.0f%% %.0fs%s  %s%s", m_tty ? "\r\033[K" : "", m_label.c_str(), bar.c_str(),
                 fraction * 100.0, elapsed, eta, shown.c_str(), m_tty ? "" : "\n");
    std::fflush(stderr);
    m_drawn = true;
    return true;
}

void ProgressBar::finish()
{
    if (m_drawn && m_tty) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
    m_drawn = false;
}

} // namespace flatslice::app
