// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include <cstdio>

#include "arguments.h"
#include "util/error.h"

namespace flatslice::app {

bool wantsHelp(const std::vector<std::string>& args)
{
    for (const auto& a : args)
        if (a == "--help" || a == "-h")
            return true;
    return false;
}

core::DType parseDtype(const std::string& text)
{
    if (const auto type = core::parseComputeDtype(text))
        return *type;
    throw UsageError("--dtype must be f32 or bf16, got '" + text + "'");
}

} // namespace flatslice::app
