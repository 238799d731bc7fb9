// SPDX-License-Identifier: GPL-3.0-or-later
// The one owner of the compression plan the workbench edits. Every edit (from the block strip, the plan panel, the
// views' signals, a loaded or suggested plan) goes through here as one QUndoStack command, and every change emits
// planChanged() once, after the estimate is recomputed; the strip, the panel and the views redraw from it.
//
// An edit that would make the plan invalid for the model (e.g. dropping the last remaining block) is refused: the
// plan stays as it was and editRejected() says why. The estimate is core::estimate (microseconds), so it is kept
// current on every change.
//
// Block-pair semantics (toggleFlattenPair(i)): the gap between blocks i and i + 1 is a link. Toggling a link that is
// inside a flatten group splits the group there (a one-block remainder is no group); toggling a free link merges
// the units on either side (so toggling 3|4 then 4|5 builds the group {3, 4, 5}). Dropped blocks that a merge
// touches stop being dropped; dropping a block removes it from its group.
// GUI thread only.
#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <optional>

#include "analysis/analysisresult.h"
#include "compress/estimator.h"
#include "compress/plan.h"

class QUndoStack;

namespace flatslice::ui {

class PlanDocument : public QObject {
    Q_OBJECT
public:
    explicit PlanDocument(QObject* parent = nullptr);
    ~PlanDocument() override;

    // Starts an empty plan for this model; clears the undo history.
    void setModel(const core::ModelConfig& config, const core::ModelFingerprint& fingerprint = {});
    bool hasModel() const { return m_hasModel; }
    const core::ModelConfig& config() const { return m_config; }
    // The calibration protocol copied into saved plans (from the session when there is one).
    void setProtocol(const core::CalibrationProtocol& protocol);

    const core::Plan& plan() const { return m_plan; }
    // The estimate of the current plan; empty when there is no model.
    const std::optional<core::Estimate>& estimate() const { return m_estimate; }
    QUndoStack* undoStack() const { return m_undo; }

    // One undo step each.
    void toggleFlattenPair(qint64 firstBlock);
    void toggleDrop(qint64 block);
    // Global SliceGPT fraction in [0, 1); 0 removes slicing. Consecutive calls merge into one undo step.
    void setSliceRatio(double ratio);
    void setSliceRounding(qint64 rounding);
    // Per result layer widths (switches the plan to explicit dims, starting from the current widths).
    void setLayerDims(qint64 layer, core::SliceDims dims);
    // The views' contract (sliceWidthRequested): `block` -1 sets the global width (as a ratio); otherwise both
    // widths of the result layer built from ORIGINAL block `block` (rejected for a dropped block).
    void setSliceWidth(qint64 block, qint64 width);
    // Replaces the whole plan (load, suggest, clear). Returns false (and emits editRejected) if it does not fit.
    bool replacePlan(const core::Plan& plan, const QString& what);
    // Parses plan JSON (core::Plan::fromJson) and replaces the plan; throws core::Error on a bad file.
    void loadJson(const std::string& text, const std::string& source);
    // The plan as JSON, with the model fingerprint and protocol filled in.
    std::string toJson() const;

    // Slice ratio shown by the panel (0 when the plan does not slice or slices per layer).
    double sliceRatio() const;
    qint64 sliceRounding() const;

Q_SIGNALS:
    void planChanged();
    void editRejected(const QString& reason);

private:
    friend class PlanEditCommand;
    // Validates and pushes an undo command; mergeId >= 0 merges consecutive edits of the same kind.
    bool apply(core::Plan next, const QString& text, int mergeId = -1);
    // Sets the plan without undo (the command's redo/undo).
    void assign(const core::Plan& plan);

    QUndoStack* m_undo = nullptr;
    bool m_hasModel = false;
    core::ModelConfig m_config;
    core::ModelFingerprint m_fingerprint;
    core::CalibrationProtocol m_protocol;
    core::Plan m_plan;
    std::optional<core::Estimate> m_estimate;
    qint64 m_rounding = 8;
};

} // namespace flatslice::ui
