// SPDX-License-Identifier: GPL-3.0-or-later
// Streaming safetensors writer: one tensor in memory at a time, the file appears complete or not at all.
//
// The header is built from the specs up front (names, dtypes, shapes, contiguous data_offsets in spec order, and
// `__metadata__` when non-empty), padded with spaces to a multiple of 8 bytes as the Python library does, so the
// data section starts 8-aligned. Then `produce(i)` is called once per spec, in order, and its bytes are written
// before the next call, so peak memory is one tensor. Each produced view must match its spec (dtype, shape,
// byte count) or Error is thrown. Output goes to `<path>.partial`, is fsynced and renamed into place; on any
// failure (a bad spec, a mismatching view, an I/O error, an exception from `produce`, including Cancelled) the
// partial file is removed and the exception propagates. An existing file at `path` is replaced only on success.
//
// Not thread-safe with respect to the same output path; `produce` runs on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "format/tensorview.h"
#include "util/dtype.h"

namespace flatslice::core {

struct TensorSpec {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape; // row-major, outermost first
};

// Writes one .safetensors file. Specs must have distinct, non-empty names other than "__metadata__" and
// non-negative dimensions; otherwise Error before anything is written.
void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorSpec>& specs,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<TensorView(std::size_t index)>& produce);

// Convenience: writes views that are already in memory, specs taken from the views themselves.
void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes a Hugging Face weight set into the existing directory `dir`. Tensors are packed in spec order into shards
// of at most `maxShardBytes` data bytes (a tensor larger than that gets a shard of its own), like huggingface_hub's
// split_state_dict_into_shards but never reordering, so `produce` is called in spec order. One shard is written as
// model.safetensors with no index; more become model-00001-of-0000N.safetensors ... plus
// model.safetensors.index.json ({"metadata": {"total_parameters": P, "total_size": N}, "weight_map": {...}},
// keys sorted, 2-space indent, ASCII, as transformers writes it). Every shard carries `metadata`. On failure, the
// files written so far are removed.
void writeSafetensorsSharded(const std::filesystem::path& dir, const std::vector<TensorSpec>& specs,
                             const std::map<std::string, std::string>& metadata,
                             const std::function<TensorView(std::size_t index)>& produce, std::uint64_t maxShardBytes);

} // namespace flatslice::core
