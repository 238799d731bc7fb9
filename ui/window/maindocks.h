// SPDX-License-Identifier: GPL-3.0-or-later
// The three docks around MainWindow's tabs, built once onto a QMainWindow (which owns every widget):
//  - Blocks (left): the metric chooser, the BlockStrip, a one-line reminder of its clicks;
//  - Plan (right): the PlanPanel in a scroll area;
//  - Log (bottom): a read-only, fixed-width log (the last 5,000 lines), one timestamped line per appendLog().
// The strip and the panel are bound to `document` here. toggleActions() are the View menu's entries.
// GUI thread only.
#pragma once

#include <QList>
#include <QString>

class QAction;
class QMainWindow;
class QPlainTextEdit;

namespace flatslice::ui {

class BlockStrip;
class PlanDocument;
class PlanPanel;

class MainDocks {
public:
    MainDocks(QMainWindow* window, PlanDocument* document);

    BlockStrip* strip() const { return m_strip; }
    PlanPanel* planPanel() const { return m_planPanel; }
    // Appends "HH:mm:ss  line".
    void appendLog(const QString& line);
    QString logText() const;
    QList<QAction*> toggleActions() const { return m_toggles; }

private:
    BlockStrip* m_strip = nullptr;
    PlanPanel* m_planPanel = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QList<QAction*> m_toggles;
};

} // namespace flatslice::ui
