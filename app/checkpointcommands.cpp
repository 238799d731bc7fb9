// SPDX-License-Identifier: GPL-3.0-or-later
// inspect, convert: commands that read and write checkpoints without running the model.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "arguments.h"
#include "commands.h"
#include "export/ggufconverter.h"
#include "model/checkpoint.h"
#include "model/modelsummary.h"
#include "progressbar.h"

namespace flatslice::app {

namespace {

const char* kInspectHelp = R"(usage: flatslice inspect MODEL [--json]

Shows a model's architecture, parameter count by part, stored types and size on disk.
MODEL is a Hugging Face directory (config.json + *.safetensors) or a .gguf file.
)";

const char* kConvertHelp = R"(usage: flatslice convert MODEL.gguf -o DIR [--dtype f32|bf16] [--force] [--json]

Writes a Hugging Face directory (config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
special_tokens_map.json, generation_config.json) that transformers loads. Quantized weights are dequantized;
--dtype picks what is written (default f32). The directory appears only when complete; an existing DIR is
kept unless --force.
)";

} // namespace

int inspectCommand(const std::vector<std::string>& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kInspectHelp;
        return 0;
    }
    const Arguments args(raw, {"--json"}, {});
    args.expectPositionals(1, "one MODEL path");
    const auto checkpoint = core::Checkpoint::open(args.positionals()[0]);
    const auto summary = core::ModelSummary::of(*checkpoint);
    std::cout << (args.has("--json") ? summary.toJson() : summary.toText());
    return 0;
}

int convertCommand(const std::vector<std::string>& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kConvertHelp;
        return 0;
    }
    const Arguments args(raw, {"--force", "--json"}, {"-o", "--output", "--dtype"});
    args.expectPositionals(1, "one MODEL.gguf path");
    const auto out = args.value("-o") ? args.value("-o") : args.value("--output");
    if (!out)
        throw UsageError("convert needs -o DIR");
    core::ConvertOptions options;
    options.dtype = parseDtype(args.valueOr("--dtype", "f32"));
    options.overwrite = args.has("--force");
    ProgressBar bar("convert");
    const auto result = core::convertGgufToHf(args.positionals()[0], *out, options, bar.progress());
    bar.finish();
    if (args.has("--json")) {
        std::printf("{\"output\": \"%s\", \"tensors\": %lld, \"weight_bytes\": %llu, \"seconds\": %.3f}\n",
                    result.outDir.string().c_str(), static_cast<long long>(result.tensors),
                    static_cast<unsigned long long>(result.weightBytes), result.seconds);
    } else {
        std::printf("wrote %s: %lld tensors, %.1f MB of weights, in %.1f s\n", result.outDir.string().c_str(),
                    static_cast<long long>(result.tensors), static_cast<double>(result.weightBytes) / 1e6,
                    result.seconds);
    }
    return 0;
}

} // namespace flatslice::app
