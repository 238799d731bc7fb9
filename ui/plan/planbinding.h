// SPDX-License-Identifier: GPL-3.0-or-later
// How every widget that shows the plan is bound to a PlanDocument, in one implementation so that the views cannot
// drift apart: `redraw(plan)` runs now and on every planChanged(); `wireEdits(document)` connects the widget's
// edit signals to the document's commands (the widget never edits a plan itself). Binding another document, or
// none, first drops every connection between the widget and the old one, in both directions. The document is
// held weakly (a QPointer): a destroyed document reads as none. GUI thread only.
#pragma once

#include <QPointer>

#include <functional>

#include "compress/plan.h"

class QObject;

namespace flatslice::ui {

class PlanDocument;

class PlanBinding {
public:
    using Redraw = std::function<void(const core::Plan& plan)>;
    using WireEdits = std::function<void(PlanDocument* document)>;

    PlanBinding(QObject* widget, Redraw redraw, WireEdits wireEdits = {});

    void bind(PlanDocument* document);
    PlanDocument* document() const;

private:
    QObject* m_widget;
    Redraw m_redraw;
    WireEdits m_wireEdits;
    QPointer<PlanDocument> m_document;
};

} // namespace flatslice::ui
