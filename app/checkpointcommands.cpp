// inspect, convert, demo: commands that read and write checkpoints without running the model.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "arguments.h"
#include "commands.h"
#include "io/checkpoint.h"
#include "io/ggufconverter.h"
#include "model/modelsummary.h"
#include "progressbar.h"

namespace flatslice::app {

namespace fs = std::filesystem;

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

const char* kDemoHelp = R"(usage: flatslice demo MODEL.gguf -o DIR

The headless walk-through `./dev run` uses without a display: inspects the model, converts it to a
Hugging Face directory, re-opens the result and checks the two agree, and prints where everything went.
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

int demoCommand(const std::vector<std::string>& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kDemoHelp;
        return 0;
    }
    const Arguments args(raw, {}, {"-o"});
    args.expectPositionals(1, "one MODEL.gguf path");
    const fs::path model = args.positionals()[0];
    const fs::path outDir = args.valueOr("-o", "flatslice-demo");
    fs::create_directories(outDir);

    std::cout << "== 1. inspect " << model << "\n";
    const auto source = core::Checkpoint::open(model);
    const auto before = core::ModelSummary::of(*source);
    std::cout << before.toText() << "\n";

    const fs::path hf = outDir / "hf";
    std::cout << "== 2. convert to a Hugging Face directory: " << hf << "\n";
    core::ConvertOptions options;
    options.overwrite = true;
    ProgressBar bar("convert");
    const auto converted = core::convertGgufToHf(model, hf, options, bar.progress());
    bar.finish();
    std::printf("%lld tensors, %.1f MB, %.1f s\n\n", static_cast<long long>(converted.tensors),
                static_cast<double>(converted.weightBytes) / 1e6, converted.seconds);

    std::cout << "== 3. re-open the export and compare with the source\n";
    const auto reopened = core::Checkpoint::open(hf);
    const auto after = core::ModelSummary::of(*reopened);
    // Every tensor must come back bit-identical from the f32 export.
    std::int64_t differing = 0;
    for (const auto& info : source->tensors()) {
        const auto a = core::toFloatVector(source->tensor(info.name));
        const auto* other = reopened->findTensor(info.name);
        if (!other || core::toFloatVector(reopened->tensor(info.name)) != a)
            ++differing;
    }
    const bool same = differing == 0 && after.totalParams() == before.totalParams() &&
                      after.config.numLayers == before.config.numLayers &&
                      after.config.hiddenSize == before.config.hiddenSize;
    std::printf("parameters %lld vs %lld, layers %lld vs %lld, tensors differing: %lld: %s\n",
                static_cast<long long>(before.totalParams()), static_cast<long long>(after.totalParams()),
                static_cast<long long>(before.config.numLayers), static_cast<long long>(after.config.numLayers),
                static_cast<long long>(differing), same ? "match" : "MISMATCH");
    std::ofstream(outDir / "inspect.txt") << before.toText();
    std::ofstream(outDir / "inspect.json") << before.toJson();
    std::cout << "\nresults:\n  " << (outDir / "inspect.txt").string() << "\n  " << (outDir / "inspect.json").string()
              << "\n  " << hf.string() << "/ (loads with transformers.AutoModelForCausalLM.from_pretrained)\n"
              << "Analysis and compression (redundancy views, FlattenGPT, SliceGPT) arrive with later releases.\n";
    return same ? 0 : 1;
}

} // namespace flatslice::app
