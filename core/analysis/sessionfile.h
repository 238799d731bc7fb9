// SPDX-License-Identifier: GPL-3.0-or-later
// The session file (`*.flatslice.h5`): one AnalysisResult stored in HDF5 so that a person can reopen an analysis
// without the model, and read it from Python with h5py. The layout is documented in docs/session-format.md.
//
// Writing is atomic: the data goes to a hidden temporary file beside the target (`.NAME.partial-XXXXXX`), which is
// closed, fsynced and renamed over the target; if anything fails the temporary file is removed, the target is left
// as it was, and an Error names the file and what failed. Writing checks the same size relationships that reading
// does, so every file written can be read back.
//
// Reading validates everything it uses: the `format` and `format_version` root attributes, the presence, type class
// and shape of every attribute and dataset (eigenvalue vectors of length hidden_size, eigenvector matrices
// hidden_size x hidden_size, head vectors of num_attention_heads, channel vectors of intermediate_size, the
// (L+1) x (L+1) any-to-any matrix, histograms of AnalysisResult::kCosBins). `config` is re-parsed from the stored
// config.json text. Any mismatch or HDF5 failure is an Error naming the file and the object; HDF5's own error
// stack is never printed.
//
// Thread-safety: both calls may run on any thread, concurrently (on different files). HDF5 serializes its own
// calls (a build without its thread-safety is serialized here instead). Each call silences and captures HDF5's
// error reporting for its own thread and restores what was there before.
#pragma once

#include <cstdint>
#include <filesystem>

#include "analysis/analysisresult.h"

namespace flatslice::core {

// The `format_version` this build writes and the newest it reads.
std::int32_t sessionFormatVersion();

// Writes `result` to `path` atomically, replacing an existing file. Throws Error on inconsistent sizes in `result`
// (checked against model.configJson, which must be non-empty and parse) or on any I/O failure.
void writeSession(const std::filesystem::path& path, const AnalysisResult& result);

// Reads a session written by writeSession (of any supported format version). Throws Error on anything else.
AnalysisResult readSession(const std::filesystem::path& path);

} // namespace flatslice::core
