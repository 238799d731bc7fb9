// SPDX-License-Identifier: GPL-3.0-or-later
// A compression plan: which blocks to flatten (FlattenGPT), which to drop (ShortGPT baseline), how wide to slice the
// residual stream (SliceGPT), and the knobs of those methods. Plain data, no torch; the `*.plan.json` file format is
// documented in docs/plan-format.md ("format": "flatslice-plan", "version": 1).
//
// Indexing: `flatten` and `drop` name blocks of the ORIGINAL model (0-based). Flatten groups and dropped blocks are
// disjoint, so they do not renumber each other; the compressed model's layers are the surviving units in original
// order (resultLayers()). Per-layer slice widths (`SlicePlan::dims`) index those RESULT layers, because a flattened
// group has one width, not one per original block.
//
// Order: the canonical order of `flatten` is ascending by first block and `drop` is ascending; fromJson() and
// normalize() sort, toJson() writes that order. The Compressor works front to back, so a group is compressed after
// every unit before it (which matters for re-fed calibration statistics, not for which blocks are chosen).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysisresult.h"
#include "model/modelconfig.h"

namespace flatslice::core {

// FlattenGPT head selection in a merged block: the paper's activation x W_O-row-norm score, or the norm of the
// head's actual contribution to the residual stream (see BlockAnalysis::headScore / headContribution).
enum class HeadScore { FlattenGpt, Contribution };
// Where pruning statistics come from: calibration activations re-fed through the already-compressed prefix (as
// SliceGPT does), or the uncompressed model's.
enum class StatisticsSource { Refed, Original };
// SliceGPT's final orientation of each kept subspace: the PCA basis, or the PCA basis times a seeded random
// rotation inside the kept subspace (same function, spreads outliers; reference PR #88).
enum class FinalOrientation { Pca, Random };
// How a flattened group is cut back to standard widths: the paper's scores alone (heads by score in whole KV
// groups, channels by ridge leverage), or `Checked`: that candidate and, for each member block, its heads with its
// own channels or with the channels ridge leverage picks (MLP compensated the same way); the one whose output is
// closest to the dense group's on the calibration states wins (docs/methods.md).
enum class FlattenSelection { FlattenGpt, Checked };

struct PlanOptions {
    double flattenLambdaFactor = 10.0; // FlattenGPT ridge lambda = factor x mean eigenvalue of C_psi
    HeadScore headScore = HeadScore::FlattenGpt;
    FlattenSelection flattenSelection = FlattenSelection::Checked; // includes the paper's candidate; see methods.md
    StatisticsSource statistics = StatisticsSource::Refed;
    double sliceDamping = 0.01; // SliceGPT: H + damping x mean(diag H) x I before the eigendecomposition
    FinalOrientation finalOrientation = FinalOrientation::Pca;
    std::uint64_t seed = 0; // for FinalOrientation::Random
};

// Residual widths of one result layer when slicing per layer: `attn` = width entering the attention (the block's
// input), `mlp` = width entering the MLP (after the attention's residual add). Parallel blocks (Phi-2) have one
// width: mlp must equal attn.
struct SliceDims {
    std::int64_t attn = 0;
    std::int64_t mlp = 0;
    bool operator==(const SliceDims&) const = default;
};

struct SlicePlan {
    // Exactly one of `ratio` (one global slicing fraction s in [0, 1)) or `dims` (one entry per result layer).
    std::optional<double> ratio;
    std::vector<SliceDims> dims;
    // A ratio becomes d' = int((1 - s) * D) rounded DOWN to a multiple of `rounding` (slicedWidth()). Explicit
    // dims must already be multiples of it (use 1 to allow any width).
    std::int64_t rounding = 8;
    // Slice the LM head's input too. If false (the reference default) the last layer writes full width D and the
    // head reads D. With `dims`, `headWidth` is the last layer's output / head input width and is required.
    bool sliceHead = false;
    std::int64_t headWidth = 0;
    // Shortcut matrices on the skip connections between differently rotated sub-blocks (reference SliceGPT).
    // false = one global rotation, no shortcut parameters; needs one width everywhere.
    bool shortcuts = true;
    bool operator==(const SlicePlan&) const = default;
};

// d' for a global ratio, exactly as the reference CLI computes it (run_slicegpt.py): the double product (1 - s) * D
// truncated toward zero, then rounded down to a multiple of `rounding`. SmolLM2 (D = 576, rounding 8):
// s = 0.10 -> 512, 0.20 -> 456, 0.25 -> 432, 0.30 -> 400.
std::int64_t slicedWidth(std::int64_t hiddenSize, double ratio, std::int64_t rounding);

struct Plan {
    ModelFingerprint model;                         // optional in the file; empty when the plan was written by hand
    CalibrationProtocol protocol;                   // optional in the file; defaults otherwise
    std::vector<std::vector<std::int64_t>> flatten; // groups of >= 2 consecutive original blocks
    std::vector<std::int64_t> drop;                 // original blocks removed whole
    std::optional<SlicePlan> slice;                 // absent: no slicing (no norm fusion, no rotation)
    PlanOptions options;

    // Parses and validates a plan file's text. Every rejection is an Error "<source>: <field> = <value>: <why>",
    // e.g. "plan.json: flatten[1] = [3, 5]: blocks must be adjacent". Unknown keys are rejected (typos would
    // otherwise be silently ignored). The result is normalized (sorted).
    static Plan fromJson(const std::string& text, const std::string& source);
    // Pretty-printed JSON that fromJson() reads back to an equal plan.
    std::string toJson() const;

    // Checks what needs no model: group shapes and overlaps, drop duplicates, slice ranges. Throws Error naming
    // the field; `source` prefixes the message.
    void validate(const std::string& source) const;
    // Checks what needs the model: block indices in range, at least one layer left, widths <= hidden size and > 0,
    // one `dims` entry per result layer, parallel blocks with one width. Implies validate().
    void validateAgainst(const ModelConfig& config, const std::string& source) const;

    // Sorts flatten groups by first block and drop ascending (the canonical order).
    void normalize();

    // The layers of the compressed model, in order: for each, the original blocks it is built from (one block when
    // kept as is, the group when flattened). Dropped blocks are absent. `numLayers` is the original count.
    std::vector<std::vector<std::int64_t>> resultLayers(std::int64_t numLayers) const;
    // Blocks removed by flattening and dropping: sum over groups of (size - 1) plus the dropped count.
    std::int64_t blocksRemoved() const;
};

std::string headScoreName(HeadScore value);               // "flattengpt" | "contribution"
std::string statisticsSourceName(StatisticsSource value); // "refed" | "original"
std::string finalOrientationName(FinalOrientation value); // "pca" | "random"
std::string flattenSelectionName(FlattenSelection value); // "flattengpt" | "checked"

} // namespace flatslice::core
