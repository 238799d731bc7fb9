// SPDX-License-Identifier: GPL-3.0-or-later
// The collapsible "What am I looking at?" paragraph at the top of every view: a toggle button and a word-wrapped
// label. Expanded by default; collapsing hides the label only.
#pragma once

#include <QWidget>

class QLabel;
class QToolButton;

namespace flatslice::ui {

class HintPanel : public QWidget {
    Q_OBJECT
public:
    explicit HintPanel(const QString& text, QWidget* parent = nullptr);

    QString text() const;
    void setText(const QString& text);
    bool isExpanded() const;
    void setExpanded(bool expanded);

private:
    QToolButton* m_toggle = nullptr;
    QLabel* m_label = nullptr;
};

} // namespace flatslice::ui
