// SPDX-License-Identifier: GPL-3.0-or-later
// A Hugging Face checkpoint directory: config.json plus model.safetensors or a sharded index.
//
// Tensors are handed out zero-copy from the file mappings in their stored dtype. Only architectures whose
// tensor names follow the Llama layout are listed in a fixed order; others are listed as stored.
#pragma once

#include <filesystem>

#include "format/safetensorsindex.h"
#include "model/checkpoint.h"

namespace flatslice::core {

class HfCheckpoint final : public Checkpoint {
public:
    explicit HfCheckpoint(const std::filesystem::path& directory);

    Format format() const override { return Format::HfSafetensors; }
    const ModelConfig& config() const override { return m_config; }
    const std::vector<CheckpointTensorInfo>& tensors() const override { return m_infos; }
    TensorView tensor(const std::string& name) const override { return m_weights.tensor(name); }
    std::vector<std::filesystem::path> files() const override { return m_weights.files(); }
    const std::filesystem::path& path() const override { return m_path; }

private:
    std::filesystem::path m_path;
    ModelConfig m_config;
    SafetensorsCheckpoint m_weights;
    std::vector<CheckpointTensorInfo> m_infos;
};

} // namespace flatslice::core
