// The headless subcommands. Each takes its arguments (without the command word) and returns the exit code;
// UsageError, core::Error and core::Cancelled propagate to runCli, which maps them to 2, 1 and 130.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/dtype.h"

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
// The whole file as bytes (no newline translation); core::Error "<path>: cannot open" when unreadable.
std::string readTextFile(const std::string& path);
// A parameter count for humans: "134.52 M".
std::string millions(std::int64_t n);

} // namespace flatslice::app
