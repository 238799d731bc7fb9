// SPDX-License-Identifier: GPL-3.0-or-later
#include "hintpanel.h"

#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace flatslice::ui {

HintPanel::HintPanel(const QString& text, QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    m_toggle = new QToolButton;
    m_toggle->setText(tr("What am I looking at?"));
    m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toggle->setAutoRaise(true);
    m_toggle->setCheckable(true);
    m_label = new QLabel(text);
    m_label->setWordWrap(true);
    m_label->setTextFormat(Qt::RichText);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setContentsMargins(16, 0, 8, 4);
    layout->addWidget(m_toggle);
    layout->addWidget(m_label);
    connect(m_toggle, &QToolButton::toggled, this, &HintPanel::setExpanded);
    setExpanded(true);
}

QString HintPanel::text() const
{
    return m_label->text();
}

void HintPanel::setText(const QString& text)
{
    m_label->setText(text);
}

bool HintPanel::isExpanded() const
{
    return !m_label->isHidden();
}

void HintPanel::setExpanded(bool expanded)
{
    m_toggle->blockSignals(true);
    m_toggle->setChecked(expanded);
    m_toggle->blockSignals(false);
    m_toggle->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    m_label->setVisible(expanded);
}

} // namespace flatslice::ui
