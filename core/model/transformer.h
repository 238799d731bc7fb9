// SPDX-License-Identifier: GPL-3.0-or-later
// A loaded decoder-only transformer that runs on the CPU through libtorch.
//
// `load` reads a checkpoint (any supported family, HF directory or GGUF) into memory in f32 or bf16 and sets
// the thread count. The model is immutable after loading: all methods are const and may be called from any
// thread, one call at a time per thread (libtorch's own parallelism uses the configured threads). Results
// are plain vectors; the torch-level API (block-by-block runs, probes, KV cache) is core-internal in
// transformerimpl.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/modelconfig.h"
#include "util/dtype.h"
#include "util/progress.h"

namespace flatslice::core {

class Checkpoint;
class TransformerImpl;

struct RuntimeOptions {
    DType dtype = DType::F32; // F32 or BF16 compute and weights
    int threads = 0;          // 0: one per core
};

struct NllResult {
    double nll = 0.0;        // summed negative log-likelihood (natural log)
    std::int64_t tokens = 0; // number of predicted tokens
};

class Transformer {
public:
    static std::unique_ptr<Transformer> load(const Checkpoint& checkpoint, const RuntimeOptions& options,
                                             const Progress& progress = Progress::none());
    ~Transformer();

    const ModelConfig& config() const;
    DType dtype() const;
    int threads() const;

    // Logits [T, vocab] (row-major, f32) for one sequence.
    std::vector<float> logits(std::span<const std::int32_t> ids) const;

    // Logits [B, T, vocab] for a right- or left-padded batch: `ids` and `mask` are [B, T] row-major, mask 1 for
    // real tokens and 0 for padding.
    std::vector<float> logits(std::span<const std::int32_t> ids, std::span<const std::int32_t> mask,
                              std::int64_t batch) const;

    // Negative log-likelihood of tokens 1..T-1 given their prefixes (the perplexity protocol of SliceGPT and
    // FlattenGPT: every token of the window but the first is predicted).
    NllResult windowNll(std::span<const std::int32_t> ids) const;

    // Greedy decoding with a KV cache. `onToken` receives each new id and returns false to stop early.
    // Stops at any of `stopIds`. Returns the generated ids (without the prompt).
    std::vector<std::int32_t> generateGreedy(std::span<const std::int32_t> prompt, std::int64_t maxNew,
                                             const std::vector<std::int64_t>& stopIds,
                                             const std::function<bool(std::int32_t)>& onToken) const;

    const TransformerImpl& impl() const { return *m_impl; }

private:
    explicit Transformer(std::unique_ptr<TransformerImpl> impl);
    std::unique_ptr<TransformerImpl> m_impl;
};

// Sets libtorch's intra-op threads (0: the number of cores). Returns the count in effect.
int setComputeThreads(int threads);

} // namespace flatslice::core
