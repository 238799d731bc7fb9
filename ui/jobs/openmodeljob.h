// SPDX-License-Identifier: GPL-3.0-or-later
// The work function behind "open a model": reads a checkpoint's header (a Hugging Face directory or a .gguf file)
// and summarises its shape, without loading weights. Runs as a JobRunner job on a worker thread like the other
// work functions (workbenchjobs.h); touches no QObject. Errors are core::Error with the file and what is wrong.
#pragma once

#include <string>

#include "model/modelsummary.h"

namespace flatslice::ui {

class JobContext;

core::ModelSummary readModelSummaryJob(const std::string& path, const JobContext& context);

} // namespace flatslice::ui
