// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a Llama-family model held in memory (dense or compressed to standard widths) as one llama-architecture
// GGUF file that llama.cpp and `flatslice` load: llama.* hyperparameters, general.* (architecture, name,
// file_type, quantization_version), the tokenizer.* keys copied from a source GGUF, `flatslice.provenance` (a JSON
// string: what the caller describes in flatsliceJson plus the export's own figures) and the tensors under
// llama.cpp's names (token_embd, blk.N.attn_norm/attn_q/attn_k/attn_v/attn_output/ffn_norm/ffn_gate/ffn_up/
// ffn_down, output_norm, output; output is omitted when the head is tied to the embedding, as llama.cpp does).
// attn_q/attn_k rows are permuted exactly as llama.cpp's convert_hf_to_gguf.py does (permuteRows below), the
// inverse of what GgufCheckpoint undoes on read.
//
// Types, llama.cpp's conventions: 1-D tensors (norms, biases) are always F32; 2-D weights are `type`: "f32",
// "f16", "bf16", or "q8_0" (rows whose length is not a multiple of 32 fall back to F16, as convert_hf_to_gguf.py
// does).
//
// Only standard Llama layouts are written: RMSNorm, gated SiLU MLP without biases, full rotary, no q/k norm, every
// block with the config's heads, KV heads and MLP width, hidden width the config's everywhere (so a sliced model
// with per-layer widths or shortcut matrices is rejected), RoPE scaling none, linear or yarn. Anything else is an
// Error naming the layer and what differs, before any file is created. A tokenizer is required (GGUF carries it
// in its metadata): `tokenizerSource` must be a .gguf whose vocabulary size equals the embedding's rows.
//
// Atomic: the file is written under a hidden temporary name beside `outFile` (GgufWriter), self-checked, and only
// then renamed into place. Self-check: the temporary file is reloaded with Checkpoint::open + Transformer::load and
// the perplexity of `selfCheckTokens` is compared with the in-memory model whose weights went through the same
// encoding (for q8_0 our own quantize + the reader's dequantize, bit-identical to what the reader returns), so the
// default tolerance stays 1e-4 for every type. A mismatch is an Error and nothing is left at `outFile`; an
// existing `outFile` is kept unless `overwrite`. Progress: one step per tensor, then the self-check and the
// evaluation; cancelling leaves nothing behind. Thread-compatible; libtorch's thread count is left as it was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "eval/perplexity.h"
#include "util/progress.h"

namespace flatslice::core {

class TransformerImpl;

struct GgufExportOptions {
    std::string type = "f32"; // f32 | f16 | bf16 | q8_0: the type of 2-D weights
    bool overwrite = false;
    std::filesystem::path tokenizerSource;     // a .gguf whose tokenizer.* keys are copied (required)
    std::string flatsliceJson = "{}";          // a JSON object; its keys go into flatslice.provenance
    std::string modelName = "model";           // general.name
    std::vector<std::int32_t> selfCheckTokens; // >= 2 tokens (a short prefix); empty skips the comparison
    double selfCheckTolerance = 1e-4;          // relative perplexity difference allowed
    std::vector<std::int32_t> evalTokens;      // empty: no evaluation
    PerplexityOptions evalOptions;
    // The evaluation text's path and digest. The evaluation runs on the finished file, so it cannot be stored in
    // it: these are only echoed for the caller's report (GgufExportResult::evaluation carries the numbers).
    std::string evalName;
    std::string evalSha256;
};

struct GgufExportResult {
    std::filesystem::path path;
    std::int64_t tensors = 0;
    std::uint64_t weightBytes = 0;  // tensor data bytes as stored (without alignment padding)
    double selfCheckInMemory = 0.0; // perplexity of selfCheckTokens, in-memory model rounded like the file
    double selfCheckReloaded = 0.0; // the same, reloaded from the written file
    std::optional<PerplexityResult> evaluation;
    double seconds = 0.0;
};

class GgufExporter {
public:
    explicit GgufExporter(GgufExportOptions options);

    GgufExportResult write(const TransformerImpl& model, const std::filesystem::path& outFile,
                           const Progress& progress = Progress::none()) const;

    // llama.cpp's q/k row permutation, in place: rows [nHeads * headDim, cols], row-major. Hugging Face row
    // (head h, half j, index i) moves to row (h, i, j) (convert_hf_to_gguf.py LlamaModel.permute). The inverse of
    // GgufCheckpoint::unpermuteRows; Error unless rows split into nHeads heads of even size.
    static void permuteRows(std::vector<float>& data, std::int64_t nHeads, std::int64_t rows, std::int64_t cols);

private:
    GgufExportOptions m_options;
};

} // namespace flatslice::core
