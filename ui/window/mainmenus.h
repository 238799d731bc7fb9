// SPDX-License-Identifier: GPL-3.0-or-later
// MainWindow's menu bar and what each entry does: File (open a model, session or plan; recent files; save
// session; load/save plan; export the compressed model through the CompressDialog, pre-filled from the
// Workbench's protocol; export the current tab's plots; quit), Edit (the plan's undo/redo), Jobs (analyse,
// suggest, evaluate, benchmark, compare, cancel) and View (the docks). File prompts are here; the work is the
// Workbench's. updateEnabled() greys out what the Workbench cannot do yet (no model, no session, no job).
// GUI thread only.
#pragma once

#include <QList>
#include <QObject>

class QAction;
class QMenu;

namespace flatslice::ui {

class MainWindow;
class Workbench;

class MainMenus : public QObject {
    Q_OBJECT
public:
    MainMenus(MainWindow* window, Workbench* workbench, const QList<QAction*>& dockToggles);

    void updateEnabled();
    // Ask for a plan file, then load / save it (the plan panel's buttons use these too).
    void promptLoadPlan();
    void promptSavePlan();

private:
    void buildFileMenu();
    void buildJobsMenu();
    void rebuildRecentMenu();

    MainWindow* m_window;
    Workbench* m_workbench;
    QMenu* m_recentMenu = nullptr;
    QList<QAction*> m_needModel;
    QList<QAction*> m_needSession;
    QAction* m_cancel = nullptr;
};

} // namespace flatslice::ui
