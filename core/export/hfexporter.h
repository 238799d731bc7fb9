// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a Llama-family model held in memory (a compressed or dense TransformerImpl) as a Hugging Face directory
// that `transformers` loads with no extra code: config.json (the model's layer count and widths),
// model.safetensors (HF names, f32 or bf16, sharded above maxShardBytes), tokenizer files, generation_config.json,
// flatslice.json (what the caller describes: plan, protocol, figures; plus the self-check and evaluation) and a
// model card README.md.
//
// Everything goes to a staging directory (AtomicDirectory) that is renamed into place only at the end. Before the
// rename, a self-check reloads the staged files with Checkpoint::open + Transformer::load (f32) and compares the
// perplexity of `selfCheckTokens` with the in-memory model (its weights rounded to the written dtype first): a
// relative difference above `selfCheckTolerance` is an Error and nothing is written. With `evalTokens`, the reloaded
// model's perplexity on them (PerplexityOptions protocol) is measured and recorded too.
//
// Tokenizer files: copied from `tokenizerSource` when it is a Hugging Face directory, generated from the GGUF
// vocabulary (as `flatslice convert` does) when it is a .gguf file, absent when it is empty.
// Only Llama-family layouts (RMSNorm, gated MLP, one q/k norm gain per head dim) are supported. Thread-compatible;
// sets no global state except libtorch's thread count during the reload (restored to the current value).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "eval/perplexity.h"
#include "util/dtype.h"
#include "util/progress.h"

namespace flatslice::core {

class TransformerImpl;

struct HfExportOptions {
    DType dtype = DType::F32; // F32 or BF16
    bool overwrite = false;
    std::uint64_t maxShardBytes = 2ull << 30;
    std::filesystem::path tokenizerSource;     // HF directory or .gguf; empty: no tokenizer files
    std::string flatsliceJson = "{}";          // a JSON object; its keys go into flatslice.json
    std::string modelName = "model";           // for the model card
    std::vector<std::int32_t> selfCheckTokens; // >= 2 tokens (a short prefix); empty skips the self-check
    double selfCheckTolerance = 1e-4;          // relative perplexity difference allowed
    std::vector<std::int32_t> evalTokens;      // empty: no evaluation
    PerplexityOptions evalOptions;
    std::string evalName; // the evaluation text's path, recorded
    std::string evalSha256;
};

struct HfExportResult {
    std::filesystem::path outDir;
    std::int64_t tensors = 0;
    std::uint64_t weightBytes = 0;
    double selfCheckInMemory = 0.0; // perplexity of selfCheckTokens, in-memory model
    double selfCheckReloaded = 0.0; // the same, reloaded from the written files
    std::optional<PerplexityResult> evaluation;
    double seconds = 0.0;
};

class HfExporter {
public:
    explicit HfExporter(HfExportOptions options);

    HfExportResult write(const TransformerImpl& model, const std::filesystem::path& outDir,
                         const Progress& progress = Progress::none()) const;

private:
    HfExportOptions m_options;
};

} // namespace flatslice::core
