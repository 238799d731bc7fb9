// SPDX-License-Identifier: GPL-3.0-or-later
// The calibration and evaluation protocol of one workbench: the texts, windows, seed and runtime settings that
// analyse uses, that export pre-fills its dialog with, and whose evaluation text evaluate and compare measure on.
// A plain value. The Workbench holds the one current copy (Workbench::protocol()); the Analyse panel edits it and
// a session that is shown replaces its calibration part.
#pragma once

#include <cstdint>
#include <string>

namespace flatslice::ui {

struct Protocol {
    std::string calibrationPath; // plain text the analysis samples windows from; empty until chosen
    std::int64_t samples = 32;   // calibration windows
    std::int64_t seqlen = 256;   // tokens per window
    std::uint64_t seed = 42;
    std::string dtype = "f32"; // "f32" | "bf16"
    int threads = 0;           // 0: every core
    std::int64_t batch = 1;
    std::string evaluationPath; // perplexity text; the analysis also checks it does not overlap the calibration

    bool operator==(const Protocol&) const = default;
};

} // namespace flatslice::ui
