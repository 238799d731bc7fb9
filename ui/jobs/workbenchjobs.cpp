// SPDX-License-Identifier: GPL-3.0-or-later
#include "workbenchjobs.h"

#include "analysis/sessionfile.h"
#include "jobcontext.h"
#include "jobs/analysisjob.h"
#include "jobs/measurejob.h"
#include "util/dtype.h"
#include "util/error.h"

namespace flatslice::ui {

namespace {

core::RuntimeOptions runtimeOptions(const std::string& dtype, int threads)
{
    core::RuntimeOptions options;
    const auto type = core::parseComputeDtype(dtype);
    if (!type)
        throw core::Error("dtype '" + dtype + "': the runtime computes in f32 or bf16");
    options.dtype = *type;
    options.threads = threads;
    return options;
}

} // namespace

std::shared_ptr<const core::AnalysisResult> runAnalysis(const AnalysisRequest& request, const JobContext& context)
{
    core::AnalysisJobOptions options;
    options.modelPath = request.modelPath;
    options.calibrationPath = request.calibrationPath;
    options.samples = request.samples;
    options.seqlen = request.seqlen;
    options.seed = request.seed;
    options.batch = request.batch;
    options.runtime = runtimeOptions(request.dtype, request.threads);
    options.evaluationPath = request.evaluationPath;
    auto result = core::runAnalysisJob(options, context.progress(),
                                       [&context](const std::string& line) { context.log(line); });
    return std::make_shared<const core::AnalysisResult>(std::move(result.analysis));
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
    core::MeasureJobOptions options;
    options.modelPath = request.modelPath;
    options.label = request.label;
    options.runtime = runtimeOptions(request.dtype, request.threads);
    options.evalPath = request.evalPath;
    options.perplexity.seqlen = request.evalSeqlen;
    options.perplexity.maxTokens = request.evalMaxTokens;
    options.throughput = request.throughput;
    options.speed.seqlen = request.prefillSeqlen;
    options.speed.decodeTokens = request.decodeTokens;
    options.prompt = request.prompt;
    options.maxNewTokens = request.maxNewTokens;
    core::MeasureJobResult measured = core::runMeasureJob(options, context.progress(),
                                                          [&context](const std::string& line) { context.log(line); });
    MeasureResult out;
    out.label = request.label;
    out.modelPath = request.modelPath;
    out.summary = std::move(measured.summary);
    out.perplexity = measured.perplexity;
    out.throughput = measured.throughput;
    out.sample = measured.continuation.value_or("");
    return out;
}

core::CompressionJobResult runCompress(const core::CompressionJobOptions& options, const JobContext& context)
{
    return core::runCompressionJob(options, context.progress(),
                                   [&context](const std::string& line) { context.log(line); });
}

} // namespace flatslice::ui
