// SPDX-License-Identifier: GPL-3.0-or-later
// What one analysis of a model on calibration text found: the data behind every redundancy view, and what the
// session file (`*.flatslice.h5`, see sessionfile.h) stores. Plain data, no torch; immutable once built, so it
// crosses threads as a snapshot.
//
// Conventions: blocks are numbered from 0; "depth d" is the residual stream entering block d (depth 0 = the
// embedding output, depth L = the last block's output before the final norm). Matrices are row-major.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/modelconfig.h"

namespace flatslice::core {

struct ModelFingerprint {
    std::string path;                    // what the user opened
    std::string format;                  // "gguf" or "safetensors"
    std::string configJson;              // Hugging Face config.json text of the analysed model
    std::vector<std::string> files;      // weight files (names only)
    std::vector<std::string> fileSha256; // one per file
};

struct CalibrationProtocol {
    std::string corpusPath;
    std::string corpusSha256;
    std::int64_t samples = 128; // windows
    std::int64_t seqlen = 512;  // tokens per window
    std::uint64_t seed = 42;
    std::string dtype = "F32";
    std::string flatsliceVersion;
    std::int64_t corpusTokens = 0; // tokens in the whole calibration file
};

// Second-moment spectrum of one residual-stream signal (SliceGPT's PCA input: the norm's input, uncentered
// X^T X over all calibration tokens, undamped; LayerNorm families after their conversion to RMSNorm form).
struct Spectrum {
    std::vector<double> eigenvalues;              // descending, size D, divided by the token count
    std::vector<double> eigenvectors;             // D x D row-major; column j is the eigenvector of eigenvalues[j]
    std::int64_t dim90 = 0, dim95 = 0, dim99 = 0; // smallest k whose top-k eigenvalues hold >= 90/95/99%
};

struct BlockAnalysis {
    // Similarity between the residual stream entering and leaving the block, averaged over tokens.
    double cosInOut = 0.0;
    double blockInfluence = 0.0;      // ShortGPT's BI = 1 - cosInOut
    std::vector<double> cosHistogram; // token counts in `kCosBins` equal bins over [-1, 1]
    Spectrum attnInput;               // residual entering the attention norm
    Spectrum mlpInput;                // residual entering the MLP norm (sequential blocks; empty for parallel)
    // Per attention head (query heads of this block).
    std::vector<double> headScore;        // FlattenGPT: mean over tokens of || head output (.) ||W_O col|| ||_2
    std::vector<double> headContribution; // alternative: mean over tokens of || head output @ W_O,head^T ||_2
    std::vector<double> headActNorm;      // mean over tokens of || head output ||_2
    std::vector<double> headWeightNorm;   // Frobenius norm of the head's q, k(shared), v(shared), o slices
    // Per MLP intermediate channel.
    std::vector<double> channelScore;      // FlattenGPT: ridge leverage [C (C + lambda I)^-1]_ii of C = sum psi^T psi
    double channelLambda = 0.0;            // lambda used: 10 x mean eigenvalue of C (= 10 tr(C) / channels)
    std::vector<double> channelActNorm;    // sqrt(mean over tokens of psi_i^2)
    std::vector<double> channelWeightNorm; // || W_down[:, i] ||_2 x || W_up[i, :] ||_2
};

struct AnalysisResult {
    static constexpr int kCosBins = 50;

    ModelFingerprint model;
    ModelConfig config;
    CalibrationProtocol protocol;
    std::vector<BlockAnalysis> blocks;
    // Cosine similarity of the residual stream at every pair of depths, averaged over tokens: (L+1) x (L+1).
    std::vector<double> anyToAny;
    std::vector<std::string> warnings;
    double seconds = 0.0;

    std::int64_t depths() const { return static_cast<std::int64_t>(blocks.size()) + 1; }
    // FlattenGPT's pair criterion for blocks (i, i+1): similarity of the two blocks' inputs = cos(depth i, i+1).
    double pairSimilarity(std::int64_t i) const { return blocks.at(static_cast<std::size_t>(i)).cosInOut; }
};

} // namespace flatslice::core
