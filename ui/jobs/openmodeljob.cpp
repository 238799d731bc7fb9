// SPDX-License-Identifier: GPL-3.0-or-later
#include "openmodeljob.h"

#include "jobcontext.h"
#include "model/checkpoint.h"

namespace flatslice::ui {

core::ModelSummary readModelSummaryJob(const std::string& path, const JobContext& context)
{
    context.log("reading the header of " + path);
    const auto checkpoint = core::Checkpoint::open(path);
    return core::ModelSummary::of(*checkpoint);
}

} // namespace flatslice::ui
