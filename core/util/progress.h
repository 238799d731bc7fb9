// SPDX-License-Identifier: GPL-3.0-or-later
// Progress reporting and cancellation for long core calls.
//
// A long call takes a `const Progress&` and calls `step(done, total, message)` now and then. The callback
// returns false to ask the call to stop; the call then throws `Cancelled` at the next safe point, leaving
// nothing half-written. Callbacks run on the calling (worker) thread; the receiver marshals to its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "util/error.h"

namespace flatslice::core {

class Progress {
public:
    // Returns false to cancel. `total` may be 0 when unknown.
    using Callback = std::function<bool(std::int64_t done, std::int64_t total, std::string_view message)>;

    Progress() = default;
    explicit Progress(Callback callback) : m_callback(std::move(callback)) {}

    // Reports and throws Cancelled if the callback asks to stop.
    void step(std::int64_t done, std::int64_t total, std::string_view message) const
    {
        if (m_callback && !m_callback(done, total, message))
            throw Cancelled();
    }

    // A Progress that relays to this one with "<name>: " before each message (the name alone for an empty
    // message), so that a job's one Progress says which stage it is in ("load: block 3/30"). It must not outlive
    // this Progress.
    Progress stage(std::string name) const
    {
        return Progress(
            [this, name = std::move(name)](std::int64_t done, std::int64_t total, std::string_view message) {
                step(done, total, message.empty() ? name : name + ": " + std::string(message));
                return true;
            });
    }

    // A Progress that ignores reports and never cancels.
    static const Progress& none()
    {
        static const Progress silent;
        return silent;
    }

private:
    Callback m_callback;
};

} // namespace flatslice::core
