// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/analyze.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <chrono>
#include <cmath>
#include <torch/torch.h>

#include "analysis/calibrationstatistics.h"
#include "analysis/spectralmath.h"
#include "analysis/textoverlap.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "model/transformerimpl.h"
#include "text/corpus.h"
#include "util/error.h"
#include "util/filereader.h"
#include "util/sha256.h"

namespace flatslice::core {

namespace {

std::string str(std::int64_t n)
{
    return std::to_string(n);
}

// Tokens a window may hold before positions leave what the model was trained on.
std::int64_t contextLength(const TransformerImpl& impl)
{
    if (impl.weights().positions.defined())
        return impl.weights().positions.size(0) - impl.config().positionOffset;
    return impl.config().maxPositionEmbeddings;
}

std::vector<std::string> protocolWarnings(const TransformerImpl& impl, const Corpus& corpus,
                                          const CorpusWindows& windows, const AnalysisOptions& options)
{
    const ModelConfig& c = impl.config();
    std::vector<std::string> w = windows.warnings;
    const std::int64_t tokens = windows.tokens();
    if (tokens < c.hiddenSize)
        w.push_back(str(tokens) + " calibration tokens for hidden size " + str(c.hiddenSize) +
                    ": the residual second-moment matrices have rank at most " + str(tokens) +
                    ", so their smallest eigenvalues are zero by construction and the 90/95/99% dimensions are "
                    "bounded by the token count, not the model");
    if (tokens < c.intermediateSize)
        w.push_back(str(tokens) + " calibration tokens for " + str(c.intermediateSize) +
                    " MLP channels: C_psi is rank-deficient and the channel scores mostly reflect the ridge term");
    const std::int64_t context = contextLength(impl);
    if (context > 0 && windows.seqlen > context)
        w.push_back("windows of " + str(windows.seqlen) + " tokens exceed the model's context of " + str(context) +
                    ": positions beyond it were never trained, so the statistics describe a regime the model "
                    "is not used in");
    if (!options.evaluationPath.empty()) {
        if (corpus.text().empty()) {
            w.push_back("calibration/evaluation overlap not checked: the corpus has no text");
        } else {
            const std::string eval = readFile(options.evaluationPath, "evaluation text");
            const TextOverlapOptions overlapOptions;
            const TextOverlap overlap = measureTextOverlap(corpus.text(), eval, overlapOptions);
            if (overlap.fraction() >= overlapOptions.warnFraction) {
                char share[32];
                std::snprintf(share, sizeof share, "%.1f%%", 100.0 * overlap.fraction());
                w.push_back("the calibration text " + corpus.path() + " shares " + share + " of its " +
                            str(overlapOptions.shingle) + "-character passages (" + str(overlap.shared) + " of " +
                            str(overlap.checked) + ") with the evaluation text " + options.evaluationPath +
                            ": perplexity measured there after compression would be flattering");
            }
        }
    }
    return w;
}

// The eigendecompositions and Cholesky factorisations run on one thread. With the OpenMP build of OpenBLAS that
// libtorch links here, LAPACK's many small level-2 steps each open a parallel region; on two busy cores that made
// one 576 x 576 eigh take 15 s instead of 0.05 s (measured), and the whole finishing stage 300 s instead of 10 s.
class SingleThreaded {
public:
    SingleThreaded() : m_threads(at::get_num_threads()) { at::set_num_threads(1); }
    ~SingleThreaded() { at::set_num_threads(m_threads); }
    SingleThreaded(const SingleThreaded&) = delete;
    SingleThreaded& operator=(const SingleThreaded&) = delete;

private:
    int m_threads;
};

std::vector<double> headWeightNorms(const BlockWeights& w, std::int64_t headDim)
{
    const std::int64_t heads = w.numHeads;
    const std::int64_t group = heads / std::max<std::int64_t>(1, w.numKvHeads);
    auto rowsSquared = [&](const torch::Tensor& weight) { // per head_dim-row block: sum of squares
        return weight.to(torch::kFloat64).pow(2).sum(1).view({-1, headDim}).sum(1);
    };
    const torch::Tensor q = rowsSquared(w.q.weight);
    const torch::Tensor k = rowsSquared(w.k.weight);
    const torch::Tensor v = rowsSquared(w.v.weight);
    const torch::Tensor o = w.o.weight.to(torch::kFloat64).pow(2).sum(0).view({heads, headDim}).sum(1);
    std::vector<double> norms(static_cast<std::size_t>(heads));
    for (std::int64_t h = 0; h < heads; ++h) {
        const std::int64_t g = h / group;
        norms[static_cast<std::size_t>(h)] = std::sqrt(q[h].item<double>() + k[g].item<double>() + v[g].item<double>() +
                                                       o[h].item<double>());
    }
    return norms;
}

BlockAnalysis finishBlock(const CalibrationStatistics::Block& sums, const BlockWeights& w, std::int64_t headDim,
                          std::int64_t tokens, const AnalysisOptions& options)
{
    BlockAnalysis b;
    const double n = static_cast<double>(tokens);
    b.cosHistogram = toDoubles(sums.cosHistogram);
    b.attnInput = spectrumOf(sums.attnInput, tokens, options.keepEigenvectors);
    if (sums.mlpInput.defined())
        b.mlpInput = spectrumOf(sums.mlpInput, tokens, options.keepEigenvectors);
    b.headScore = toDoubles(sums.headScore / n);
    b.headContribution = toDoubles(sums.headContribution / n);
    b.headActNorm = toDoubles(sums.headActNorm / n);
    b.headWeightNorm = headWeightNorms(w, headDim);
    const torch::Tensor& c = sums.psi;
    const std::int64_t channels = c.size(0);
    const double trace = c.trace().item<double>();
    b.channelLambda = options.channelLambdaFactor * trace / static_cast<double>(channels);
    if (b.channelLambda > 0.0)
        b.channelScore = ridgeLeverageScores(c, b.channelLambda);
    else
        b.channelScore.assign(static_cast<std::size_t>(channels), 0.0); // the MLP never fired
    b.channelActNorm = toDoubles((c.diagonal() / n).clamp_min(0.0).sqrt());
    const torch::Tensor down = w.down.weight.to(torch::kFloat64).pow(2).sum(0).sqrt(); // [I]: columns of W_down
    const torch::Tensor up = w.up.weight.to(torch::kFloat64).pow(2).sum(1).sqrt();     // [I]: rows of W_up
    b.channelWeightNorm = toDoubles(down * up);
    return b;
}

} // namespace

ModelFingerprint fingerprintOf(const Checkpoint& checkpoint, bool hashWeights)
{
    ModelFingerprint f;
    f.path = checkpoint.path().string();
    if (checkpoint.format() == Checkpoint::Format::Gguf) {
        f.format = "gguf";
        f.configJson = toHfConfigJson(checkpoint.config()); // what `flatslice convert` writes for it
    } else {
        f.format = "safetensors";
        f.configJson = readFile(checkpoint.path() / "config.json", "config.json");
    }
    for (const auto& file : checkpoint.files()) {
        f.files.push_back(file.filename().string());
        f.fileSha256.push_back(hashWeights ? sha256File(file) : std::string());
    }
    return f;
}

AnalysisResult analyze(const Checkpoint& checkpoint, const Transformer& model, const Corpus& corpus,
                       const CorpusWindows& windows, const AnalysisOptions& options, const Progress& progress)
{
    const auto start = std::chrono::steady_clock::now();
    if (windows.count() == 0 || windows.seqlen <= 0)
        throw Error("analysis needs at least one calibration window");
    if (options.batch < 1)
        throw Error("the mini-batch must hold at least one window");
    if (!(options.channelLambdaFactor > 0.0))
        throw Error("the channel ridge factor must be positive");
    c10::InferenceMode guard;
    const TransformerImpl& impl = model.impl();
    const ModelConfig& config = impl.config();
    const std::int64_t layers = static_cast<std::int64_t>(impl.weights().blocks.size());

    AnalysisResult r;
    r.config = config;
    r.protocol.corpusPath = corpus.path();
    r.protocol.corpusSha256 = corpus.sha256();
    r.protocol.samples = windows.count();
    r.protocol.seqlen = windows.seqlen;
    r.protocol.seed = windows.seed;
    r.protocol.dtype = std::string(dtypeName(model.dtype()));
    r.protocol.flatsliceVersion = FLATSLICE_VERSION;
    r.protocol.corpusTokens = corpus.tokenCount();
    r.warnings = protocolWarnings(impl, corpus, windows, options);

    const std::int64_t batches = (windows.count() + options.batch - 1) / options.batch;
    const std::int64_t total = batches * layers + layers + 1;
    progress.step(0, total, "fingerprinting the model");
    r.model = fingerprintOf(checkpoint, options.hashWeights);

    CalibrationStatistics stats(impl, config.normKind == NormKind::LayerNorm, AnalysisResult::kCosBins);
    for (std::int64_t b = 0; b < batches; ++b) {
        const std::int64_t first = b * options.batch;
        const std::int64_t count = std::min(options.batch, windows.count() - first);
        torch::Tensor ids = torch::empty({count, windows.seqlen}, torch::kInt64);
        for (std::int64_t i = 0; i < count; ++i) {
            const auto w = corpus.window(windows, first + i);
            ids[i].copy_(torch::from_blob(const_cast<std::int32_t*>(w.data()), {windows.seqlen}, torch::kInt32));
        }
        const std::string label = count == 1 ? "window " + str(first + 1)
                                             : "windows " + str(first + 1) + "-" + str(first + count);
        stats.add(ids, [&](std::int64_t block) {
            progress.step(b * layers + block, total,
                          label + " of " + str(windows.count()) + ", block " + str(block + 1) + "/" + str(layers));
        });
    }

    const std::int64_t n = stats.tokens();
    const torch::Tensor cosine = stats.cosine() / static_cast<double>(n);
    r.anyToAny = toDoubles(cosine);
    const SingleThreaded lapackOnOneThread;
    for (std::int64_t i = 0; i < layers; ++i) {
        progress.step(batches * layers + i, total, "spectra and scores, block " + str(i + 1) + "/" + str(layers));
        const auto u = static_cast<std::size_t>(i);
        BlockAnalysis block = finishBlock(stats.blocks()[u], impl.weights().blocks[u], config.headDim, n, options);
        block.cosInOut = cosine[i][i + 1].item<double>();
        block.blockInfluence = 1.0 - block.cosInOut;
        r.blocks.push_back(std::move(block));
        stats.release(i);
    }
    progress.step(total, total, "done");
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace flatslice::core
