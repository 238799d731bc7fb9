// SPDX-License-Identifier: GPL-3.0-or-later
// GgufExporter on the real demo model (label `slow`): the dense model written as a llama GGUF passes its self-check
// and reloads as the same architecture. Set FLATSLICE_GGUF_EXPORT_DIR to keep the files, e.g. for
// tests/reference/check_gguf_export.py FILE --source DEMO.gguf.
#include <gtest/gtest.h>

#include <cstdlib>

#include "export/ggufexporter.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "testsupport.h"

using namespace flatslice;
namespace fs = std::filesystem;

class DemoGgufExport : public ::testing::TestWithParam<std::string> {};

TEST_P(DemoGgufExport, DenseDemoModelPassesTheSelfCheckAndReloads)
{
    const fs::path demo = test::demoModel();
    if (demo.empty())
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
    const auto source = core::Checkpoint::open(demo);
    core::RuntimeOptions runtime;
    runtime.threads = 2;
    const auto model = core::Transformer::load(*source, runtime);

    test::ScratchDir scratch;
    const char* keep = std::getenv("FLATSLICE_GGUF_EXPORT_DIR");
    const fs::path dir = keep && *keep ? fs::path(keep) : scratch.path();
    const fs::path out = dir / ("SmolLM2-135M-dense." + GetParam() + ".gguf");
    core::GgufExportOptions options;
    options.type = GetParam();
    options.overwrite = true;
    options.tokenizerSource = demo;
    options.modelName = "SmolLM2-135M-Instruct (flatslice dense export)";
    options.flatsliceJson = R"({"source": {"path": ")" + demo.filename().string() + R"("}, "plan": null})";
    for (std::int32_t i = 0; i < 64; ++i)
        options.selfCheckTokens.push_back(static_cast<std::int32_t>((i * 7919 + 17) % 49152));
    const core::GgufExportResult r = core::GgufExporter(options).write(model->impl(), out);
    EXPECT_EQ(r.tensors, 2 + 30 * 9); // tied head: no output.weight
    EXPECT_NEAR(r.selfCheckReloaded / r.selfCheckInMemory, 1.0, 1e-4);
    std::printf("exported %s: %.1f MB of weights in %.1f s; self-check perplexity %.4f in memory, %.4f reloaded\n",
                out.string().c_str(), static_cast<double>(r.weightBytes) / 1e6, r.seconds, r.selfCheckInMemory,
                r.selfCheckReloaded);

    const auto reloaded = core::Checkpoint::open(out);
    EXPECT_EQ(reloaded->config().numLayers, 30);
    EXPECT_EQ(reloaded->config().hiddenSize, 576);
    EXPECT_EQ(reloaded->config().numKvHeads, 3);
    EXPECT_TRUE(reloaded->config().tieWordEmbeddings);
}

INSTANTIATE_TEST_SUITE_P(Types, DemoGgufExport, ::testing::Values("f32", "q8_0"));
