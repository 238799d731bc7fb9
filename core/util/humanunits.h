// SPDX-License-Identifier: GPL-3.0-or-later
// Numbers for people, in the one spelling every command, log line and report uses.
#pragma once

#include <cstdint>
#include <string>

namespace flatslice::core {

// A parameter count: "134.52 M".
std::string millions(std::int64_t count);

} // namespace flatslice::core
