// SPDX-License-Identifier: GPL-3.0-or-later
// `flatslice convert`: a GGUF file to a Hugging Face directory that `transformers` loads.
//
// Writes config.json, model.safetensors (sharded above 2 GB), tokenizer.json, tokenizer_config.json,
// special_tokens_map.json and generation_config.json into a staging directory beside `outDir` and renames it
// into place only when everything is written. Tensors stream one at a time: peak memory is about one
// dequantized tensor. Quantized weights are dequantized exactly; the precision written is `dtype` (f32 keeps
// every dequantized value exactly; bf16 rounds to nearest even).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "util/dtype.h"
#include "util/progress.h"

namespace flatslice::core {

struct ConvertOptions {
    DType dtype = DType::F32; // F32 or BF16
    bool overwrite = false;   // replace an existing outDir (only at the final rename)
    std::uint64_t maxShardBytes = 2ull << 30;
};

struct ConvertResult {
    std::filesystem::path outDir;
    std::int64_t tensors = 0;
    std::uint64_t weightBytes = 0;
    double seconds = 0.0;
    std::vector<std::string> warnings;
};

ConvertResult convertGgufToHf(const std::filesystem::path& gguf, const std::filesystem::path& outDir,
                              const ConvertOptions& options, const Progress& progress = Progress::none());

} // namespace flatslice::core
