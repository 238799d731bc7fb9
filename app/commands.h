// The headless subcommands. Each takes its arguments (without the command word) and returns the exit code;
// UsageError, core::Error and core::Cancelled propagate to runCli, which maps them to 2, 1 and 130.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/dtype.h"

namespace flatslice::app {

using Args = std::vector<std::string>;

int inspectCommand(const Args& args);
int convertCommand(const Args& args);
int demoCommand(const Args& args);
int evalCommand(const Args& args);
int generateCommand(const Args& args);
int benchCommand(const Args& args);
int analyzeCommand(const Args& args);
int compressCommand(const Args& args);
int planCommand(const Args& args);

// Shared by the commands.
bool wantsHelp(const Args& args);
core::DType parseDtype(const std::string& text);

} // namespace flatslice::app
