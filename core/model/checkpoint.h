// SPDX-License-Identifier: GPL-3.0-or-later
// A model checkpoint on disk, seen through Hugging Face names and layouts whatever its format.
//
// `Checkpoint::open` accepts a Hugging Face directory (config.json + model.safetensors or a sharded index) or a
// single .gguf file. Either way the caller gets the architecture-neutral ModelConfig and tensors named and laid
// out exactly as `transformers` names and lays them out ("model.layers.0.self_attn.q_proj.weight", row-major
// [out, in]); GGUF tensors are dequantized and un-permuted on read. Tensors are loaded lazily, one at a time,
// so peak memory stays near the largest tensor. The files are only read, never modified.
// Thread-safety: concurrent `tensor()` calls are safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "format/tensorview.h"
#include "model/modelconfig.h"
#include "util/dtype.h"

namespace flatslice::core {

struct CheckpointTensorInfo {
    std::string name;                // Hugging Face name
    std::vector<std::int64_t> shape; // Hugging Face layout
    DType dtype = DType::F32;        // dtype `tensor()` returns
    std::string storedAs;            // dtype on disk, e.g. "BF16" or the GGUF type "Q4_1"
    std::uint64_t storedBytes = 0;   // bytes on disk
};

class Checkpoint {
public:
    enum class Format { HfSafetensors, Gguf };

    // Opens and validates a checkpoint; throws Error naming the path and the problem.
    static std::unique_ptr<Checkpoint> open(const std::filesystem::path& path);

    virtual ~Checkpoint() = default;

    virtual Format format() const = 0;
    virtual const ModelConfig& config() const = 0;
    // Tensors in a stable order (embeddings, then blocks in order, then final norm and head).
    virtual const std::vector<CheckpointTensorInfo>& tensors() const = 0;
    // Loads one tensor by Hugging Face name; throws Error for an unknown name.
    virtual TensorView tensor(const std::string& name) const = 0;
    // The files the weights come from (for fingerprints and "bytes on disk").
    virtual std::vector<std::filesystem::path> files() const = 0;
    // What the user named.
    virtual const std::filesystem::path& path() const = 0;

    const CheckpointTensorInfo* findTensor(const std::string& name) const;
    std::uint64_t bytesOnDisk() const;
};

} // namespace flatslice::core
