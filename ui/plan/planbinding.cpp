// SPDX-License-Identifier: GPL-3.0-or-later
#include "planbinding.h"

#include <QObject>

#include "plandocument.h"

namespace flatslice::ui {

PlanBinding::PlanBinding(QObject* widget, Redraw redraw, WireEdits wireEdits)
    : m_widget(widget), m_redraw(std::move(redraw)), m_wireEdits(std::move(wireEdits))
{
}

PlanDocument* PlanBinding::document() const
{
    return m_document;
}

void PlanBinding::bind(PlanDocument* document)
{
    if (m_document) {
        QObject::disconnect(m_document, nullptr, m_widget, nullptr);
        QObject::disconnect(m_widget, nullptr, m_document, nullptr);
    }
    m_document = document;
    if (!document)
        return;
    QObject::connect(document, &PlanDocument::planChanged, m_widget, [this] { m_redraw(m_document->plan()); });
    if (m_wireEdits)
        m_wireEdits(document);
    m_redraw(document->plan());
}

} // namespace flatslice::ui
