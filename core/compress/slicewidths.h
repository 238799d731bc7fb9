// SPDX-License-Identifier: GPL-3.0-or-later
// The residual-stream widths of a compressed model, layer by layer: what a plan's `slice` section means once the
// ratio is rounded and flatten/drop have fixed the layer count. Shared by the Estimator (counting) and the
// Compressor (slicing), so both read one rule. Pure functions, thread-safe.
//
// Rules (SliceGPT reference, ConstSlicingScheduler + ForwardSlicingScheduler; shared/research/slicegpt.md §1.8):
//  - embedding width = layers[0].in; layers[l].out = layers[l + 1].in;
//  - sequential blocks: attention reads `in`, writes `mid`; the MLP reads `mid`, writes `out`;
//  - parallel blocks (Phi-2): attention and MLP both read `in` and write `out`; mid == in;
//  - the last layer writes `head` = the hidden size D, unless the plan slices the head;
//  - head dims of attention, head counts, MLP width and vocabulary never change.
#pragma once

#include <cstdint>
#include <vector>

#include "compress/plan.h"
#include "model/modelconfig.h"

namespace flatslice::core {

struct LayerWidths {
    std::int64_t in = 0;  // residual entering the block (attention input)
    std::int64_t mid = 0; // residual entering the MLP (sequential); equals `in` for parallel blocks
    std::int64_t out = 0; // residual leaving the block
    bool operator==(const LayerWidths&) const = default;
};

struct SliceWidths {
    bool sliced = false;    // the plan slices: norms fused into weightless RMSNorms, head untied, rotation applied
    bool shortcuts = false; // shortcut matrices on the skip connections (d_in x d_mid, d_mid x d_out per block)
    std::int64_t embedding = 0;
    std::vector<LayerWidths> layers; // one per layer of the compressed model (Plan::resultLayers order)
    std::int64_t head = 0;           // width the LM head reads

    bool operator==(const SliceWidths&) const = default;
};

// Widths for `plan` on `config`. An unsliced plan gives D everywhere and no shortcuts. The plan must have passed
// validateAgainst(config) (this does not re-check; widths from an unchecked plan may be nonsense).
SliceWidths resolveSliceWidths(const ModelConfig& config, const Plan& plan);

} // namespace flatslice::core
