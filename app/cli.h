// SPDX-License-Identifier: GPL-3.0-or-later
// Subcommand dispatch for the flatslice executable. Exit codes: 0 ok, 1 failure, 2 usage, 130 cancelled.
#pragma once

#include <string>
#include <vector>

namespace flatslice::app {

// Runs a headless subcommand (`args` excludes the program name). Returns the exit code; never throws.
int runCli(const std::vector<std::string>& args);

// Whether `command` is a headless subcommand (otherwise the GUI handles it).
bool isCliCommand(const std::string& command);

std::string usage();

} // namespace flatslice::app
