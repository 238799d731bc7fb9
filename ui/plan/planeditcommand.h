// SPDX-License-Identifier: GPL-3.0-or-later
// One undoable plan edit: the plan before and after. Consecutive edits with the same merge id (slider drags)
// collapse into one step that undoes to the plan before the first of them.
#pragma once

#include <QUndoCommand>

#include "compress/plan.h"

namespace flatslice::ui {

class PlanDocument;

class PlanEditCommand : public QUndoCommand {
public:
    PlanEditCommand(PlanDocument* document, core::Plan before, core::Plan after, const QString& text, int mergeId);

    void undo() override;
    void redo() override;
    int id() const override { return m_mergeId; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    PlanDocument* m_document;
    core::Plan m_before;
    core::Plan m_after;
    int m_mergeId;
};

} // namespace flatslice::ui
