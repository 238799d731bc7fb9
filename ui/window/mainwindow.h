// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench window: the widgets around one Workbench (which it owns) and the wiring between them.
// Centre tabs: Architecture (the model's shape and the Analyse panel), Similarity, Spectra, Importance, Compare.
// Docks (MainDocks): the BlockStrip (left), the PlanPanel (right), the log (bottom). Menus: MainMenus. Status bar:
// the Workbench's messages and the JobStatusWidget (progress, ETA, Cancel).
//
// Every view that shows the plan is bound to the Workbench's PlanDocument (setPlanDocument); the session, the
// model summary, the protocol and the Compare tab's figures flow from the Workbench's signals. Errors become one
// non-modal message box each (errorShown()), so nothing ever blocks the window or a test. Dropping a file opens it
// (Workbench::openPath). GUI thread only.
#pragma once

#include <QList>
#include <QMainWindow>
#include <QString>

#include <memory>

class QCustomPlot;
class QTabWidget;

namespace flatslice::ui {

class AnalysePanel;
class ArchitectureView;
class BlockStrip;
class CompareView;
class ImportanceView;
class MainDocks;
class MainMenus;
class PlanPanel;
class SimilarityView;
class SpectraView;
class Workbench;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Workbench* workbench() const { return m_workbench; }

    QTabWidget* tabs() const { return m_tabs; }
    ArchitectureView* architectureView() const { return m_architecture; }
    AnalysePanel* analysePanel() const;
    SimilarityView* similarityView() const { return m_similarity; }
    SpectraView* spectraView() const { return m_spectra; }
    ImportanceView* importanceView() const { return m_importance; }
    CompareView* compareView() const { return m_compareView; }
    BlockStrip* blockStrip() const;
    PlanPanel* planPanel() const;
    // The plots of tab `index` (empty for a tab without plots).
    QList<QCustomPlot*> plotsOfTab(int index) const;
    // Saves the current tab's plots (PNG, PDF or SVG by extension; several plots get -2, -3 ... suffixes).
    bool exportCurrentPlots(const QString& path);
    // One timestamped line in the log dock (the Workbench's lines arrive here too).
    void appendLog(const QString& line);
    QString logText() const;

Q_SIGNALS:
    // Every error shown to the user (a message box), for tests and the screenshot driver.
    void errorShown(const QString& title, const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void connectWorkbench();
    void showSummary();
    void showSession();
    void showError(const QString& title, const QString& message);
    void showInformation(const QString& title, const QString& text);
    void updateActions();

    Workbench* m_workbench;
    QTabWidget* m_tabs = nullptr;
    ArchitectureView* m_architecture = nullptr;
    SimilarityView* m_similarity = nullptr;
    SpectraView* m_spectra = nullptr;
    ImportanceView* m_importance = nullptr;
    CompareView* m_compareView = nullptr;
    std::unique_ptr<MainDocks> m_docks;
    MainMenus* m_menus = nullptr;
};

} // namespace flatslice::ui
