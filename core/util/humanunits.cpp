// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/humanunits.h"

#include <cstdio>

namespace flatslice::core {

std::string millions(std::int64_t count)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f M", static_cast<double>(count) / 1e6);
    return text;
}

} // namespace flatslice::core
