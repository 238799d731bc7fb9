// SPDX-License-Identifier: GPL-3.0-or-later
// Core-internal: reads a checkpoint's tensors into ModelWeights, whatever the family's names and quirks.
//
// Llama/Mistral/Qwen2/Qwen3 share the Llama names; OPT, GPT-2 (Conv1D weights stored [in, out], fused c_attn)
// and Phi-2 (dense, fc1/fc2, final_layernorm, biased head) are mapped here. Weights already stored in the
// requested dtype stay zero-copy views of the file mapping (read-only: never modify them in place).
#pragma once

#include <torch/types.h>

#include "model/checkpoint.h"
#include "model/modelweights.h"
#include "util/progress.h"

namespace flatslice::core {

ModelWeights loadWeights(const Checkpoint& checkpoint, const ModelConfig& config, torch::Dtype dtype,
                         const Progress& progress = Progress::none());

} // namespace flatslice::core
