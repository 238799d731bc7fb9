// SPDX-License-Identifier: GPL-3.0-or-later
#include "planeditcommand.h"

#include "plandocument.h"

namespace flatslice::ui {

PlanEditCommand::PlanEditCommand(PlanDocument* document, core::Plan before, core::Plan after, const QString& text,
                                 int mergeId)
    : QUndoCommand(text), m_document(document), m_before(std::move(before)), m_after(std::move(after)),
      m_mergeId(mergeId)
{
}

void PlanEditCommand::undo()
{
    m_document->assign(m_before);
}

void PlanEditCommand::redo()
{
    m_document->assign(m_after);
}

bool PlanEditCommand::mergeWith(const QUndoCommand* other)
{
    if (m_mergeId < 0 || other->id() != m_mergeId)
        return false;
    m_after = static_cast<const PlanEditCommand*>(other)->m_after;
    setText(other->text());
    return true;
}

} // namespace flatslice::ui
