// SPDX-License-Identifier: GPL-3.0-or-later
#include "syntheticsession.h"

#include <cmath>

#include "model/modelconfig.h"

namespace flatslice::uitest {

namespace {

const char* kConfig = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 64,
  "intermediate_size": 24, "num_hidden_layers": 6, "num_attention_heads": 4, "num_key_value_heads": 2,
  "max_position_embeddings": 128, "rms_norm_eps": 1e-06, "rope_theta": 10000, "tie_word_embeddings": true
})";

core::Spectrum spectrum(double decay)
{
    core::Spectrum s;
    double value = 100.0;
    double total = 0.0;
    for (int k = 0; k < 64; ++k, value *= decay) {
        s.eigenvalues.push_back(value);
        total += value;
    }
    const double targets[3] = {0.90, 0.95, 0.99};
    std::int64_t* dims[3] = {&s.dim90, &s.dim95, &s.dim99};
    for (int t = 0; t < 3; ++t) {
        double running = 0.0;
        std::int64_t k = 0;
        for (double v : s.eigenvalues) {
            running += v;
            ++k;
            if (running >= targets[t] * total)
                break;
        }
        *dims[t] = k;
    }
    return s;
}

} // namespace

std::shared_ptr<const core::AnalysisResult> syntheticSession()
{
    auto r = std::make_shared<core::AnalysisResult>();
    r->model.configJson = kConfig;
    r->model.path = "synthetic";
    r->model.format = "safetensors";
    r->config = core::parseHfConfig(kConfig, "config.json");
    const int blocks = 6;
    const int depths = blocks + 1;
    r->anyToAny.resize(static_cast<std::size_t>(depths * depths));
    for (int i = 0; i < depths; ++i)
        for (int j = 0; j < depths; ++j)
            r->anyToAny[static_cast<std::size_t>(i * depths + j)] = i == j ? 1.0
                                                                           : 1.0 - 0.04 * std::abs(i - j) -
                                                                                 0.002 * (i + j);
    r->anyToAny[2 * depths + 3] = r->anyToAny[3 * depths + 2] = 0.99;
    for (int b = 0; b < blocks; ++b) {
        core::BlockAnalysis a;
        a.cosInOut = r->anyToAny[static_cast<std::size_t>(b * depths + b + 1)];
        a.blockInfluence = 1.0 - a.cosInOut;
        a.cosHistogram.assign(core::AnalysisResult::kCosBins, 1.0);
        a.attnInput = spectrum(0.80 + 0.02 * b);
        a.mlpInput = spectrum(0.75 + 0.02 * b);
        for (int h = 0; h < 4; ++h) {
            // Block b's heads: KV group 0 (heads 0, 1) grows with b, group 1 (heads 2, 3) shrinks.
            a.headScore.push_back(h < 2 ? 1.0 + b + 0.1 * h : 6.0 - b + 0.1 * h);
            a.headContribution.push_back(0.5 * a.headScore.back());
            a.headActNorm.push_back(2.0 + 0.1 * h);
            a.headWeightNorm.push_back(3.0 + 0.01 * b);
        }
        for (int c = 0; c < 24; ++c) {
            // Distinct scores: block b's channel c = (24 - c) / 24 scaled by (1 + 0.01 b) + 1e-4 b.
            a.channelScore.push_back((24.0 - c) / 24.0 * (1.0 + 0.01 * b) + 1e-4 * b);
            a.channelActNorm.push_back(1.0 + 0.05 * c);
            a.channelWeightNorm.push_back(2.0 - 0.05 * c);
        }
        a.channelLambda = 0.1;
        r->blocks.push_back(a);
    }
    return r;
}

QString tinyLlamaSessionPath()
{
    return QStringLiteral(FLATSLICE_TEST_DATA "/tiny-llama/tiny-llama.flatslice.h5");
}

} // namespace flatslice::uitest
