// SPDX-License-Identifier: GPL-3.0-or-later
// Applies a Plan's structural compression in one front-to-back pass: FlattenGPT groups are widened and pruned back
// to one standard layer, dropped blocks are removed (ShortGPT baseline), kept blocks are reused as they are.
//
// Calibration: token windows (all of one length) are embedded once; their hidden states then walk down the model
// block by block, and each flatten group is pruned on the hidden states entering it. With
// StatisticsSource::Refed (default) those states went through the already-compressed prefix (merged blocks pruned,
// dropped blocks skipped), as SliceGPT does; with Original they went through the uncompressed model. The walk stops
// after the last group. A plan with only `drop` needs no calibration. Peak memory: the model, the result's new
// blocks, one wide block and the calibration hidden states (windows x seqlen x hidden, in the model dtype), plus
// C_psi (f64, (m x intermediate)^2) while a group is pruned.
//
// Slicing (SliceGPT, slicer.h): with shortcuts (the reference layout) each result layer is rotated and sliced as soon
// as it is built, on the re-fed states, so flatten, drop and slice share one front-to-back pass; the single-basis
// variant (no shortcuts) needs the whole structural result first for its global PCA, then rotates it. Progress is
// reported per calibration batch with done/total counting original blocks; a false return throws Cancelled and
// nothing is kept.
// The source model is only read. Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compress/plan.h"
#include "util/progress.h"

namespace flatslice::core {

class TransformerImpl;

// What pruning one flatten group decided (plain data; see flattener.h for the criteria).
struct FlattenGroupReport {
    std::vector<std::int64_t> blocks;       // original blocks of the group
    std::vector<double> headScores;         // per wide-block query head
    std::vector<std::int64_t> keptKvGroups; // wide KV-group indices kept, ascending
    std::vector<std::int64_t> keptChannels; // wide MLP channels kept, ascending
    double lambda = 0.0;                    // ridge lambda used
    double selectionError = 0.0;            // ||Psi W_D - Psi S S^T W_D||_F^2 / ||Psi W_D||_F^2 (plain row selection)
    double compensatedError = 0.0;          // the same with the compensated W_D'
    std::int64_t tokens = 0;                // calibration tokens behind the statistics
    // FlattenSelection::Checked: each candidate's relative output error ||P(x) - G(x)||^2 / ||G(x) - x||^2 against
    // the dense group G ("flattengpt", then "block N" and "block N heads, leverage channels" per member) and the
    // one kept.
    std::vector<std::pair<std::string, double>> candidateErrors;
    std::string selected = "flattengpt";
    std::vector<std::string> warnings;
};

struct CompressionReport {
    std::int64_t layersBefore = 0;
    std::int64_t layersAfter = 0;
    std::int64_t parametersBefore = 0; // counted from the tensors (a tied head once)
    std::int64_t parametersAfter = 0;
    std::int64_t calibrationTokens = 0;
    std::vector<FlattenGroupReport> groups;
    std::vector<std::int64_t> dropped;
    // Slicing: residual widths per result layer (attn = block input, mlp = MLP input), the head's input width, and
    // the fraction of the (undamped) second moment each PCA kept: embedding, then per layer attention and MLP.
    std::vector<SliceDims> sliceWidths;
    std::int64_t headWidth = 0;
    std::vector<double> keptVariance;
    std::vector<std::string> warnings;
    double seconds = 0.0;
};

class Compressor {
public:
    // `model` must outlive the Compressor (kept blocks share its tensors).
    Compressor(const TransformerImpl& model, Plan plan);
    ~Compressor();
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;

    // Compresses. `windows` are calibration token windows of equal length, used when the plan flattens or slices
    // (a drop-only plan ignores them); `batch` windows go through the model together. Throws Error (bad plan, a
    // family the plan's method does not support, no windows when they are needed), Cancelled.
    CompressionReport run(const std::vector<std::vector<std::int32_t>>& windows, std::int64_t batch,
                          const Progress& progress = Progress::none());

    // The compressed model after run() (core-internal type); Error before.
    const TransformerImpl& result() const;
    std::unique_ptr<TransformerImpl> takeResult();

private:
    const TransformerImpl& m_model;
    Plan m_plan;
    std::unique_ptr<TransformerImpl> m_result;
};

// Parameters stored in a model's tensors (embeddings, blocks, norms, head; a head tied to the embedding once).
std::int64_t countParameters(const TransformerImpl& model);

} // namespace flatslice::core
