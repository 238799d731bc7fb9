// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for the offscreen GUI tests: fixture paths, a scratch calibration text, a synthetic model config.
#pragma once

#include <QString>
#include <QTemporaryDir>

#include "model/modelconfig.h"

namespace flatslice::uitest {

// tests/data/<relative>.
QString fixture(const char* relative);
// The tiny Llama GGUF (2 blocks, hidden 64) every GUI test opens.
QString tinyModel();
// Writes a few kB of English text to `dir` and returns its path (calibration text for the tiny model).
QString writeCalibrationText(const QTemporaryDir& dir);
// A Llama config with `layers` blocks, hidden 64 (no weights: for plan and estimate tests).
core::ModelConfig syntheticConfig(int layers);

} // namespace flatslice::uitest
