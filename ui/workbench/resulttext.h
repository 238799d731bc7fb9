// SPDX-License-Identifier: GPL-3.0-or-later
// The one-paragraph texts the workbench writes to the log, the status line and result boxes after a job.
// Plain functions; numbers are formatted for people (grouped thousands, fixed decimals).
#pragma once

#include <QString>
#include <QStringList>

#include <vector>

#include "compress/plan.h"
#include "jobs/compressionjob.h"
#include "jobs/workbenchjobs.h"

namespace flatslice::ui {

// "2 flattened, s = 0.25", or "unchanged".
QString planLabel(const core::Plan& plan);
// What an export wrote and its self-check (perplexity in memory vs reloaded from the files), plus warnings.
QString compressionReport(const core::CompressionJobResult& result, const core::Plan& plan);
// One line per measured model (perplexity, speed, the sample on a second line).
QStringList measurementLines(const std::vector<MeasureResult>& results);
// 1234567 -> "1,234,567".
QString grouped(qint64 n);

} // namespace flatslice::ui
