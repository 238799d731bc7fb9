// SPDX-License-Identifier: GPL-3.0-or-later
// The weights of a Hugging Face checkpoint: one model.safetensors, or shards listed by model.safetensors.index.json.
//
// The constructor takes a directory or a single .safetensors file. In a directory, model.safetensors.index.json
// wins when present: its `weight_map` (tensor name -> shard file name) must be well-formed JSON with no duplicate
// names, every shard must be a plain file name inside the directory (no '/', no '..', not absolute), must exist
// and pass SafetensorsFile validation, every indexed tensor must be in its named shard, and no tensor may be
// stored in two shards. Without an index, model.safetensors is read. Tensors a shard holds but the index does not
// name are ignored, as `transformers` ignores them. Any violation throws Error with one line naming the file.
//
// Immutable after construction; copies share the shard mappings and every member is safe to call from any
// thread. Tensor views keep their shard's mapping alive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "format/safetensorsfile.h"
#include "format/tensorview.h"

namespace flatslice::core {

class SafetensorsCheckpoint {
public:
    // Opens and validates every shard; throws Error naming the path and the problem.
    explicit SafetensorsCheckpoint(const std::filesystem::path& path);

    // What the caller named (directory or file).
    const std::filesystem::path& path() const;

    // Tensor names: shard by shard (in files() order), within a shard in data-offset order.
    const std::vector<std::string>& names() const;
    bool contains(const std::string& name) const;
    // Throws Error naming the checkpoint and the tensor for an unknown name.
    const SafetensorsTensorInfo& info(const std::string& name) const;
    TensorView tensor(const std::string& name) const;
    // The shard that holds `name`; throws Error for an unknown name.
    const SafetensorsFile& shardOf(const std::string& name) const;

    // Shard files, sorted by file name (model-00001-of-00003 first).
    std::vector<std::filesystem::path> files() const;
    // Sum of the listed tensors' data bytes (the index's metadata.total_size), without headers.
    std::uint64_t totalBytes() const;
    // `__metadata__` of the first shard.
    const std::map<std::string, std::string>& metadata() const;

private:
    struct State;
    std::shared_ptr<const State> m_state;
};

} // namespace flatslice::core
