// SPDX-License-Identifier: GPL-3.0-or-later
#include "export/exportselfcheck.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <cmath>
#include <cstdio>

#include "model/checkpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

double perplexityOf(const TransformerImpl& model, const std::vector<std::int32_t>& tokens)
{
    c10::InferenceMode guard;
    const torch::Tensor ids =
        torch::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.end()), torch::kInt64).unsqueeze(0);
    const torch::Tensor logits = model.forward(ids, {})[0];
    const auto n = static_cast<std::int64_t>(tokens.size()) - 1;
    const torch::Tensor logProbs = torch::log_softmax(logits.narrow(0, 0, n), -1);
    const torch::Tensor picked = logProbs.gather(1, ids[0].narrow(0, 1, n).unsqueeze(1));
    return std::exp(-picked.to(torch::kFloat64).mean().item<double>());
}

double perplexityOf(const Transformer& model, const std::vector<std::int32_t>& tokens)
{
    const NllResult r = model.windowNll(tokens);
    return std::exp(r.nll / static_cast<double>(std::max<std::int64_t>(r.tokens, 1)));
}

} // namespace

std::unique_ptr<TransformerImpl> roundedCopy(const TransformerImpl& model, const WeightRounding& round)
{
    auto r = [&](const torch::Tensor& t) { return t.defined() ? round(t).to(torch::kFloat32) : t; };
    ModelWeights w = model.weights();
    const bool tied = w.head.weight.defined() && w.head.weight.data_ptr() == w.embed.data_ptr();
    w.embed = r(w.embed);
    w.positions = r(w.positions);
    w.finalNorm.weight = r(w.finalNorm.weight);
    w.finalNorm.bias = r(w.finalNorm.bias);
    w.head.weight = tied ? w.embed : r(w.head.weight);
    w.head.bias = r(w.head.bias);
    for (BlockWeights& b : w.blocks) {
        for (NormWeights* n : {&b.attnNorm, &b.mlpNorm, &b.qNorm, &b.kNorm}) {
            n->weight = r(n->weight);
            n->bias = r(n->bias);
        }
        for (LinearWeights* l : {&b.q, &b.k, &b.v, &b.o, &b.gate, &b.up, &b.down}) {
            l->weight = r(l->weight);
            l->bias = r(l->bias);
        }
        b.attnShortcut = r(b.attnShortcut);
        b.mlpShortcut = r(b.mlpShortcut);
    }
    return std::make_unique<TransformerImpl>(model.config(), std::move(w), torch::kFloat32);
}

ExportCheckResult checkExport(const TransformerImpl& model, const WeightRounding& round,
                              const std::filesystem::path& written, const ExportCheckOptions& options,
                              const Progress& progress, std::int64_t step, std::int64_t total)
{
    progress.step(step, total, "self-check: reloading");
    ExportCheckResult result;
    const std::unique_ptr<Checkpoint> reopened = Checkpoint::open(written);
    RuntimeOptions runtime;
    runtime.threads = at::get_num_threads();
    const std::unique_ptr<Transformer> reloaded = Transformer::load(*reopened, runtime);
    if (options.tokens.size() >= 2) {
        const std::unique_ptr<TransformerImpl> rounded = roundedCopy(model, round);
        result.inMemory = perplexityOf(*rounded, options.tokens);
        result.reloaded = perplexityOf(*reloaded, options.tokens);
        const double rel = std::fabs(result.reloaded / result.inMemory - 1.0);
        if (!(rel <= options.tolerance)) {
            char line[256];
            std::snprintf(line, sizeof line,
                          "export self-check failed: perplexity %.6f in memory vs %.6f reloaded from the files "
                          "(relative %.3g > %.3g)",
                          result.inMemory, result.reloaded, rel, options.tolerance);
            throw Error(line);
        }
    }
    if (!options.evalTokens.empty()) {
        progress.step(step + 1, total, "evaluating");
        result.evaluation = evaluatePerplexity(*reloaded, options.evalTokens, options.evalOptions, progress);
    }
    return result;
}

} // namespace flatslice::core
