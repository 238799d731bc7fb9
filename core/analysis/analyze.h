// SPDX-License-Identifier: GPL-3.0-or-later
// The redundancy analysis: calibration windows streamed through a model, everything the workbench shows computed
// from float64 statistics of the residual stream, attention heads and MLP channels.
//
// `analyze` runs the windows in mini-batches of `batch` through all blocks with probes attached (see
// calibrationstatistics.h), then eigendecomposes the second-moment matrices and scores heads and channels. Peak
// memory: the model, one mini-batch's activations (with one f64 unit vector per depth and token for the cosine
// matrix: (L+1) x batch x seqlen x hidden x 8 bytes), and the float64 sums (per block 2 x hidden^2 + channels^2).
// Progress is reported before every block of every mini-batch and for every block's eigendecomposition; a
// Progress that returns false makes it throw Cancelled at the next report, with nothing kept.
//
// What the numbers are (AnalysisResult fields):
//   - Eigenvalues are those of (1/n) sum x x^T over the n = windows x seqlen calibration tokens (per-token second
//     moment; SliceGPT's eigenvectors are the same with or without the 1/n). Undamped.
//   - LayerNorm families (OPT, GPT-2, Phi-2): x is the residual centred over the hidden axis per token, the stream
//     SliceGPT's conversion to RMSNorm form would carry (centred embeddings, centred writers).
//   - channelScore uses C = sum psi^T psi (not divided by n) and lambda = lambdaFactor x tr(C) / channels, so
//     channelLambda is in the units of that sum; the scores themselves do not depend on the scaling.
//   - Head scores and activation norms are means over tokens; cosines are means over tokens of per-token cosines.
// Thread-safety: reads the model only; runs on the calling thread with libtorch's intra-op threads. Call from a
// worker thread in the GUI; the inference guard is set inside.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/analysisresult.h"
#include "util/progress.h"

namespace flatslice::core {

class Checkpoint;
class Corpus;
class Transformer;
struct CorpusWindows;

struct AnalysisOptions {
    std::int64_t batch = 1;            // windows per forward pass (memory grows linearly, speed barely changes on CPU)
    double channelLambdaFactor = 10.0; // FlattenGPT: lambda = 10 x mean eigenvalue of C_psi
    bool keepEigenvectors = true;      // D x D per spectrum (the compression step rotates with them)
    bool hashWeights = true;           // sha256 of every weight file for the fingerprint (seconds per GB)
    std::string evaluationPath;        // when set: warn if the calibration text shares passages with this file
};

// The model fingerprint (path, format, config.json text, weight files and their sha256 when `hashWeights`).
ModelFingerprint fingerprintOf(const Checkpoint& checkpoint, bool hashWeights);

// `model` must have been loaded from `checkpoint`; `windows` drawn from `corpus`. Throws Error for inconsistent
// input (empty windows, token ids outside the vocabulary), Cancelled when progress asks to stop.
AnalysisResult analyze(const Checkpoint& checkpoint, const Transformer& model, const Corpus& corpus,
                       const CorpusWindows& windows, const AnalysisOptions& options,
                       const Progress& progress = Progress::none());

} // namespace flatslice::core
