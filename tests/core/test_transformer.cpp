// SPDX-License-Identifier: GPL-3.0-or-later
// The runtime against golden logits that Hugging Face transformers computed on tiny random checkpoints of
// every supported family (tests/reference/make_family_goldens.py).
#include <gtest/gtest.h>

#include <c10/core/InferenceMode.h>
#include <cmath>

#include "format/safetensorsfile.h"
#include "model/checkpoint.h"
#include "model/torchbridge.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "testsupport.h"

using namespace flatslice::core;

namespace {

std::vector<std::int32_t> toInt32(const torch::Tensor& t)
{
    const torch::Tensor c = t.to(torch::kInt32).contiguous();
    return {c.data_ptr<std::int32_t>(), c.data_ptr<std::int32_t>() + c.numel()};
}

struct Golden {
    std::unique_ptr<Checkpoint> checkpoint;
    SafetensorsFile golden;
    torch::Tensor ids, mask;
};

Golden openFamily(const std::string& family)
{
    const auto dir = flatslice::test::dataDir() / "families" / family;
    Golden g{Checkpoint::open(dir), SafetensorsFile::open(dir / "golden.safetensors"), {}, {}};
    g.ids = toTorch(g.golden.tensor("input_ids"));
    g.mask = toTorch(g.golden.tensor("attention_mask"));
    return g;
}

// Max |a - b| over the positions the mask marks as real tokens.
double maxErrorOnRealTokens(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& mask)
{
    const torch::Tensor keep = mask.to(torch::kBool).unsqueeze(-1).expand_as(a);
    return (a - b).abs().masked_select(keep).max().item<double>();
}

class FamilyGolden : public ::testing::TestWithParam<std::string> {};

} // namespace

TEST_P(FamilyGolden, PaddedBatchLogitsMatchTransformers)
{
    Golden g = openFamily(GetParam());
    const auto model = Transformer::load(*g.checkpoint, {DType::F32, 2});
    const auto ids = toInt32(g.ids);
    const auto mask = toInt32(g.mask);
    const auto out = model->logits(ids, mask, g.ids.size(0));
    const torch::Tensor want = toTorch(g.golden.tensor("logits"));
    const torch::Tensor got = torch::from_blob(const_cast<float*>(out.data()), want.sizes(), torch::kFloat32);
    EXPECT_LE(maxErrorOnRealTokens(got, want, g.mask), 1e-4);
    // Padded positions too: with right padding only they show whether the mask (and OPT's mask-derived
    // positions) follow transformers.
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-4);
}

TEST_P(FamilyGolden, SingleSequenceLogitsMatchTransformers)
{
    Golden g = openFamily(GetParam());
    const auto model = Transformer::load(*g.checkpoint, {DType::F32, 2});
    const auto ids = toInt32(g.ids[0]);
    const auto out = model->logits(ids);
    const torch::Tensor want = toTorch(g.golden.tensor("logits_unpadded_row0"));
    const torch::Tensor got = torch::from_blob(const_cast<float*>(out.data()), want.sizes(), torch::kFloat32);
    EXPECT_LE((got - want).abs().max().item<double>(), 1e-4);
}

TEST_P(FamilyGolden, BlockInputProbesMatchTransformersHiddenStates)
{
    Golden g = openFamily(GetParam());
    const auto model = Transformer::load(*g.checkpoint, {DType::F32, 2});
    const TransformerImpl& impl = model->impl();
    std::vector<torch::Tensor> seen;
    Probe probe;
    probe.points = static_cast<std::uint32_t>(ProbePoint::BlockInput);
    probe.callback = [&](std::int64_t, ProbePoint, const torch::Tensor& value) { seen.push_back(value.clone()); };
    c10::InferenceMode guard;
    impl.forward(g.ids, g.mask, &probe);
    ASSERT_EQ(static_cast<std::int64_t>(seen.size()), model->config().numLayers);
    for (std::size_t i = 0; i < seen.size(); ++i) {
        SCOPED_TRACE("hidden_states." + std::to_string(i));
        const torch::Tensor want = toTorch(g.golden.tensor("hidden_states." + std::to_string(i)));
        EXPECT_LE(maxErrorOnRealTokens(seen[i], want, g.mask), 1e-4);
    }
}

TEST_P(FamilyGolden, Bf16LogitsStayCloseToF32Golden)
{
    // bf16 keeps 8 mantissa bits: weights and activations round at ~0.4% each, so logits drift by a few
    // hundredths on these random models. The tolerance is relative to the logits' own scale.
    Golden g = openFamily(GetParam());
    const auto model = Transformer::load(*g.checkpoint, {DType::BF16, 2});
    const auto out = model->logits(toInt32(g.ids[0]));
    const torch::Tensor want = toTorch(g.golden.tensor("logits_unpadded_row0"));
    const torch::Tensor got = torch::from_blob(const_cast<float*>(out.data()), want.sizes(), torch::kFloat32);
    const double scale = want.abs().max().item<double>();
    const double error = (got - want).abs().max().item<double>();
    RecordProperty("bf16_max_abs_error", std::to_string(error));
    RecordProperty("logit_scale", std::to_string(scale));
    EXPECT_LE(error, 0.05 * scale + 0.02);
}

TEST_P(FamilyGolden, KvCacheDecodingEqualsFullForward)
{
    Golden g = openFamily(GetParam());
    const auto model = Transformer::load(*g.checkpoint, {DType::F32, 2});
    const auto ids = toInt32(g.ids[0]);
    const std::span<const std::int32_t> prompt(ids.data(), 6);
    std::vector<std::int32_t> fed(prompt.begin(), prompt.end());
    const auto generated = model->generateGreedy(prompt, 4, {}, {});
    ASSERT_EQ(generated.size(), 4u);
    for (const std::int32_t next : generated) {
        const auto logits = model->logits(fed);
        const auto vocab = static_cast<std::size_t>(model->config().vocabSize);
        const auto last = logits.begin() + static_cast<std::ptrdiff_t>(logits.size() - vocab);
        EXPECT_EQ(std::max_element(last, logits.end()) - last, next);
        fed.push_back(next);
    }
}

INSTANTIATE_TEST_SUITE_P(Runtime, FamilyGolden,
                         ::testing::Values("llama", "llama-tied", "mistral", "qwen2", "qwen3", "opt", "gpt2", "phi"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string n = param.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(Transformer, WindowNllEqualsLogSoftmaxOfLogits)
{
    Golden g = openFamily("llama");
    const auto model = Transformer::load(*g.checkpoint, {DType::F32, 2});
    const auto ids = toInt32(g.ids[0]);
    const NllResult r = model->windowNll(ids);
    const auto logits = model->logits(ids);
    const auto vocab = model->config().vocabSize;
    double nll = 0.0;
    for (std::size_t t = 0; t + 1 < ids.size(); ++t) {
        const float* row = logits.data() + t * static_cast<std::size_t>(vocab);
        double maxv = row[0], sum = 0.0;
        for (std::int64_t v = 0; v < vocab; ++v)
            maxv = std::max(maxv, static_cast<double>(row[v]));
        for (std::int64_t v = 0; v < vocab; ++v)
            sum += std::exp(row[v] - maxv);
        nll -= row[ids[t + 1]] - maxv - std::log(sum);
    }
    EXPECT_EQ(r.tokens, static_cast<std::int64_t>(ids.size()) - 1);
    EXPECT_NEAR(r.nll, nll, 1e-3);
}

TEST(Transformer, TokenOutsideVocabularyIsAnError)
{
    Golden g = openFamily("llama");
    const auto model = Transformer::load(*g.checkpoint, {DType::F32, 1});
    const std::vector<std::int32_t> ids = {1, 2, 100000};
    EXPECT_THROW(model->logits(ids), Error);
}
