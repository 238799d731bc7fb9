// Progress reporting and cancellation for long core calls.
//
// A long call takes a `const Progress&` and calls `step(done, total, message)` now and then. The callback
// returns false to ask the call to stop; the call then throws `Cancelled` at the next safe point, leaving
// nothing half-written. Callbacks run on the calling (worker) thread; the receiver marshals to its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

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
