// SPDX-License-Identifier: GPL-3.0-or-later
// The log of a job call: one human-readable line per notable event (what was opened, sizes, warnings, per-stage
// figures), delivered as it happens on the job's thread. The CLI prints it, the workbench shows it in its log dock.
// An empty JobLog drops the lines.
#pragma once

#include <functional>
#include <string>

namespace flatslice::core {

using JobLog = std::function<void(const std::string& line)>;

} // namespace flatslice::core
