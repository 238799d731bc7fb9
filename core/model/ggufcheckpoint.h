// SPDX-License-Identifier: GPL-3.0-or-later
// A llama-family GGUF file presented as a Hugging Face checkpoint.
//
// Maps `llama.*` metadata to ModelConfig and GGUF tensor names to Hugging Face names, dequantizes each tensor
// to f32 on read, and undoes the row permutation llama.cpp's converter applies to q_proj/k_proj (it reorders
// each head's rows from HF's "rotate half" RoPE layout to GGML's interleaved-pair layout). The result equals
// what `transformers` loads from the same file. Only `general.architecture == "llama"` is supported (Llama,
// Mistral, SmolLM, TinyLlama ... all convert to it); anything else is an Error naming what is supported.
#pragma once

#include <filesystem>
#include <memory>

#include "format/gguffile.h"
#include "format/gguftokenizer.h"
#include "model/checkpoint.h"

namespace flatslice::core {

class GgufCheckpoint final : public Checkpoint {
public:
    explicit GgufCheckpoint(const std::filesystem::path& path);

    Format format() const override { return Format::Gguf; }
    const ModelConfig& config() const override { return m_config; }
    const std::vector<CheckpointTensorInfo>& tensors() const override { return m_infos; }
    TensorView tensor(const std::string& name) const override;
    std::vector<std::filesystem::path> files() const override { return {m_file.path()}; }
    const std::filesystem::path& path() const override { return m_path; }

    const GgufFile& gguf() const { return m_file; }
    const GgufTokenizerInfo& tokenizer() const { return m_tokenizer; }

    // Maps `llama.*` metadata to a config; exposed for tests.
    static ModelConfig configFromMetadata(const GgufFile& file);

    // Undoes llama.cpp's q/k permutation in place: rows [nHeads * headDim, cols], row-major.
    static void unpermuteRows(std::vector<float>& data, std::int64_t nHeads, std::int64_t rows, std::int64_t cols);

private:
    struct Source {
        std::string ggufName;
        std::int64_t permuteHeads = 0; // 0: no permutation; else the head count to un-permute with
    };

    std::filesystem::path m_path;
    GgufFile m_file;
    ModelConfig m_config;
    GgufTokenizerInfo m_tokenizer;
    std::vector<CheckpointTensorInfo> m_infos;
    std::vector<Source> m_sources; // parallel to m_infos
};

} // namespace flatslice::core
