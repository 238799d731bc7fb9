// SPDX-License-Identifier: GPL-3.0-or-later
// Wall-clock seconds since a steady_clock time point: the one spelling of the timings jobs and benchmarks report.
#pragma once

#include <chrono>

namespace flatslice::core {

inline double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace flatslice::core
