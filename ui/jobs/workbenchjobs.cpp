#include "workbenchjobs.h"

#include <fstream>
#include <sstream>

#include "analysis/calibrator.h"
#include "io/checkpoint.h"
#include "io/sessionfile.h"
#include "jobcontext.h"
#include "model/transformer.h"
#include "text/checkpointtokenizer.h"
#include "text/corpus.h"
#include "text/tokenizer.h"
#include "util/error.h"

namespace flatslice::ui {

namespace {

core::RuntimeOptions runtimeOptions(const std::string& dtype, int threads)
{
    core::RuntimeOptions options;
    if (dtype == "f32" || dtype == "float32")
        options.dtype = core::DType::F32;
    else if (dtype == "bf16" || dtype == "bfloat16")
        options.dtype = core::DType::BF16;
    else
        throw core::Error("dtype '" + dtype + "': the runtime computes in f32 or bf16");
    options.threads = threads;
    return options;
}

std::string readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw core::Error(path + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

std::shared_ptr<const core::AnalysisResult> runAnalysis(const AnalysisRequest& request, const JobContext& context)
{
    if (request.calibrationPath.empty())
        throw core::Error("analyse: choose a calibration text file");
    if (request.samples < 1 || request.seqlen < 2 || request.batch < 1)
        throw core::Error("analyse: windows and batch must be positive and the window length at least 2");
    const auto runtime = runtimeOptions(request.dtype, request.threads);
    context.log("opening " + request.modelPath);
    const auto checkpoint = core::Checkpoint::open(request.modelPath);
    const auto model = core::Transformer::load(*checkpoint, runtime, context.progress());
    context.log("loaded in " + std::string(core::dtypeName(model->dtype())) + " on " +
                std::to_string(model->threads()) + " threads; tokenizing " + request.calibrationPath);
    context.throwIfCancelled();
    const core::Corpus corpus = core::Corpus::fromFile(request.calibrationPath, core::tokenizerFor(*checkpoint));
    const core::CorpusWindows windows = corpus.sample(request.samples, request.seqlen, request.seed);
    for (const std::string& w : windows.warnings)
        context.log("warning: " + w);
    context.log(std::to_string(windows.count()) + " windows of " + std::to_string(windows.seqlen) + " tokens from " +
                std::to_string(corpus.tokenCount()) + " (seed " + std::to_string(request.seed) + ")");
    core::AnalysisOptions options;
    options.batch = request.batch;
    options.evaluationPath = request.evaluationPath;
    auto result = std::make_shared<core::AnalysisResult>(
        core::analyze(*checkpoint, *model, corpus, windows, options, context.progress()));
    for (const std::string& w : result->warnings)
        context.log("warning: " + w);
    return result;
}

std::shared_ptr<const core::AnalysisResult> readSessionJob(const std::string& path, const JobContext& context)
{
    context.log("reading session " + path);
    return std::make_shared<const core::AnalysisResult>(core::readSession(path));
}

void writeSessionJob(const std::string& path, const core::AnalysisResult& result, const JobContext& context)
{
    context.log("writing session " + path);
    core::writeSession(path, result);
}

MeasureResult runMeasure(const MeasureRequest& request, const JobContext& context)
{
    MeasureResult out;
    out.label = request.label;
    out.modelPath = request.modelPath;
    const auto checkpoint = core::Checkpoint::open(request.modelPath);
    out.summary = core::ModelSummary::of(*checkpoint);
    const auto model = core::Transformer::load(*checkpoint, runtimeOptions(request.dtype, request.threads),
                                               context.progress());
    const core::Tokenizer tokenizer = core::tokenizerFor(*checkpoint);
    if (!request.evalPath.empty()) {
        context.log(request.label + ": perplexity on " + request.evalPath);
        const std::vector<std::int32_t> tokens = tokenizer.encode(readText(request.evalPath));
        core::PerplexityOptions options;
        options.seqlen = request.evalSeqlen;
        options.maxTokens = request.evalMaxTokens;
        out.perplexity = core::evaluatePerplexity(*model, tokens, options, context.progress());
        context.log(request.label + ": perplexity " + std::to_string(out.perplexity->perplexity) + " over " +
                    std::to_string(out.perplexity->tokens) + " tokens");
    }
    if (request.throughput) {
        core::ThroughputOptions options;
        options.seqlen = request.prefillSeqlen;
        options.decodeTokens = request.decodeTokens;
        out.throughput = core::measureThroughput(*model, {}, options, context.progress());
        context.log(request.label + ": prefill " + std::to_string(out.throughput->prefillTokensPerSecond) +
                    " tok/s, decode " + std::to_string(out.throughput->decodeTokensPerSecond) + " tok/s");
    }
    if (!request.prompt.empty()) {
        context.throwIfCancelled();
        const std::vector<std::int32_t> ids = tokenizer.encode(request.prompt);
        std::vector<std::int64_t> stops = model->config().eosTokenIds;
        if (tokenizer.eosId())
            stops.push_back(*tokenizer.eosId());
        const auto generated = model->generateGreedy(ids, request.maxNewTokens, stops,
                                                     [&](std::int32_t) { return !context.cancelRequested(); });
        context.throwIfCancelled();
        out.sample = tokenizer.decode(generated, true);
    }
    return out;
}

core::CompressionJobResult runCompress(const core::CompressionJobOptions& options, const JobContext& context)
{
    return core::runCompressionJob(options, context.progress(), [&context](const std::string& line) {
        context.log(line);
    });
}

} // namespace flatslice::ui
