// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/blockdropper.h"

#include <algorithm>
#include <c10/core/InferenceMode.h>
#include <numeric>
#include <set>

#include "util/error.h"

namespace flatslice::core {

std::vector<double> BlockDropper::blockInfluence(const TransformerImpl& model,
                                                 const std::vector<std::vector<std::int32_t>>& windows,
                                                 const Progress& progress)
{
    c10::InferenceMode guard;
    const auto layers = static_cast<std::int64_t>(model.weights().blocks.size());
    std::vector<double> cosSum(static_cast<std::size_t>(layers), 0.0);
    std::int64_t tokens = 0;
    for (std::size_t w = 0; w < windows.size(); ++w) {
        progress.step(static_cast<std::int64_t>(w), static_cast<std::int64_t>(windows.size()), "block influence");
        const auto& ids = windows[w];
        const torch::Tensor input =
            torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), torch::kInt64).unsqueeze(0);
        const AttentionContext ctx = model.context(input, {}, 0);
        torch::Tensor h = model.embed(input, {}, 0);
        for (std::int64_t i = 0; i < layers; ++i) {
            const torch::Tensor next = model.block(i, h, ctx);
            cosSum[static_cast<std::size_t>(i)] += torch::cosine_similarity(h.to(torch::kFloat32),
                                                                            next.to(torch::kFloat32), -1)
                                                       .to(torch::kFloat64)
                                                       .sum()
                                                       .item<double>();
            h = next;
        }
        tokens += input.size(1);
    }
    std::vector<double> bi(cosSum.size());
    for (std::size_t i = 0; i < bi.size(); ++i)
        bi[i] = 1.0 - cosSum[i] / static_cast<double>(std::max<std::int64_t>(tokens, 1));
    return bi;
}

std::vector<std::int64_t> BlockDropper::lowestInfluence(const std::vector<double>& influence, std::int64_t count)
{
    if (count < 0 || count >= static_cast<std::int64_t>(influence.size()))
        throw Error("drop: cannot drop " + std::to_string(count) + " of " + std::to_string(influence.size()) +
                    " blocks");
    std::vector<std::int64_t> order(influence.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
        return influence[static_cast<std::size_t>(a)] < influence[static_cast<std::size_t>(b)];
    });
    order.resize(static_cast<std::size_t>(count));
    std::sort(order.begin(), order.end());
    return order;
}

std::unique_ptr<TransformerImpl> BlockDropper::drop(const TransformerImpl& model,
                                                    const std::vector<std::int64_t>& blocks)
{
    const auto layers = static_cast<std::int64_t>(model.weights().blocks.size());
    const std::set<std::int64_t> dropped(blocks.begin(), blocks.end());
    if (dropped.size() != blocks.size())
        throw Error("drop: a block is named twice");
    for (const std::int64_t b : dropped)
        if (b < 0 || b >= layers)
            throw Error("drop: block " + std::to_string(b) + " is outside 0.." + std::to_string(layers - 1));
    if (static_cast<std::int64_t>(dropped.size()) >= layers)
        throw Error("drop: at least one block must remain");
    ModelWeights weights = model.weights();
    weights.blocks.clear();
    for (std::int64_t i = 0; i < layers; ++i)
        if (!dropped.count(i))
            weights.blocks.push_back(model.weights().blocks[static_cast<std::size_t>(i)]);
    ModelConfig config = model.config();
    config.numLayers = static_cast<std::int64_t>(weights.blocks.size());
    return std::make_unique<TransformerImpl>(std::move(config), std::move(weights), model.dtype());
}

} // namespace flatslice::core
