// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a whole (small) file into memory: text to tokenize, JSON configs, plans. The one place that does it, so
// that every caller fails the same way: Error("<path>: cannot open the <what>") or ("... cannot read the <what>").
// Model weights are never read this way; they are memory-mapped (MappedFile).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace flatslice::core {

// The file's bytes. `what` names the file for the error message ("calibration text", "plan", ...). With
// `maxBytes` > 0 a longer file is an Error ("<path>: N bytes is too large for a <what>") and no more than
// maxBytes + 1 bytes are ever read, also from pipes and devices that report no size.
std::string readFile(const std::filesystem::path& path, const std::string& what = "file", std::uint64_t maxBytes = 0);

} // namespace flatslice::core
