// SPDX-License-Identifier: GPL-3.0-or-later
// The headless subcommands. Each takes its arguments (without the command word) and returns the exit code;
// UsageError, core::Error and core::Cancelled propagate to runCli, which maps them to 2, 1 and 130.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/dtype.h"

namespace flatslice::app {

using Args = std::vector<std::string>;

int inspectCommand(const Args& raw);
int convertCommand(const Args& raw);
int demoCommand(const Args& raw);
int evalCommand(const Args& raw);
int generateCommand(const Args& raw);
int benchCommand(const Args& raw);
int analyzeCommand(const Args& raw);
int compressCommand(const Args& raw);
int planCommand(const Args& raw);

// Shared by the commands.
bool wantsHelp(const Args& args);
core::DType parseDtype(const std::string& text);

} // namespace flatslice::app
