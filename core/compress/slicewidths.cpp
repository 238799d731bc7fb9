// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/slicewidths.h"

namespace flatslice::core {

SliceWidths resolveSliceWidths(const ModelConfig& config, const Plan& plan)
{
    const std::int64_t hidden = config.hiddenSize;
    const std::int64_t layers = static_cast<std::int64_t>(plan.resultLayers(config.numLayers).size());

    SliceWidths w;
    w.embedding = hidden;
    w.head = hidden;
    w.layers.assign(static_cast<std::size_t>(layers), LayerWidths{hidden, hidden, hidden});
    if (!plan.slice)
        return w;

    const SlicePlan& s = *plan.slice;
    w.sliced = true;
    w.shortcuts = s.shortcuts;
    if (s.ratio) {
        const std::int64_t d = slicedWidth(hidden, *s.ratio, s.rounding);
        w.embedding = d;
        for (LayerWidths& l : w.layers)
            l = {d, d, d};
        w.head = s.sliceHead || !s.shortcuts ? d : hidden; // one basis cannot widen the stream back to D
    } else {
        for (std::size_t i = 0; i < w.layers.size() && i < s.dims.size(); ++i) {
            w.layers[i].in = s.dims[i].attn;
            w.layers[i].mid = config.parallelBlock ? s.dims[i].attn : s.dims[i].mlp;
        }
        for (std::size_t i = 0; i + 1 < w.layers.size(); ++i)
            w.layers[i].out = w.layers[i + 1].in;
        w.embedding = w.layers.empty() ? hidden : w.layers.front().in;
        w.head = s.sliceHead ? s.headWidth : hidden;
    }
    // The last block writes what the head reads: D by default (the reference keeps the head unsliced), so its MLP
    // writer and last shortcut are full width.
    if (!w.layers.empty())
        w.layers.back().out = w.head;
    return w;
}

} // namespace flatslice::core
