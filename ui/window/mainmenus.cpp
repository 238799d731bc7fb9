// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainmenus.h"

#include <QAction>
#include <QDialog>
#include <QFileDialog>
#include <QMenu>
#include <QMenuBar>
#include <QTabWidget>
#include <QUndoStack>

#include "dialogs/compressdialog.h"
#include "jobs/jobrunner.h"
#include "mainwindow.h"
#include "plan/plandocument.h"
#include "plot/plotexport.h"
#include "workbench/recentfiles.h"
#include "workbench/workbench.h"

namespace flatslice::ui {

MainMenus::MainMenus(MainWindow* window, Workbench* workbench, const QList<QAction*>& dockToggles)
    : QObject(window), m_window(window), m_workbench(workbench)
{
    buildFileMenu();

    QMenu* edit = window->menuBar()->addMenu(tr("&Edit"));
    QAction* undo = workbench->planDocument()->undoStack()->createUndoAction(window, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = workbench->planDocument()->undoStack()->createRedoAction(window, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);

    buildJobsMenu();

    QMenu* view = window->menuBar()->addMenu(tr("&View"));
    view->addActions(dockToggles);

    connect(workbench->recentFiles(), &RecentFiles::changed, this, &MainMenus::rebuildRecentMenu);
    rebuildRecentMenu();
    updateEnabled();
}

void MainMenus::buildFileMenu()
{
    QMenu* file = m_window->menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open model, session or plan..."));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            m_window, tr("Open"), QString(),
            tr("Models, sessions and plans (*.gguf config.json *.safetensors *.h5 *.json);;All files (*)"));
        if (!path.isEmpty())
            m_workbench->openPath(path);
    });
    QAction* openDir = file->addAction(tr("Open model &directory..."));
    connect(openDir, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(m_window, tr("Open Hugging Face model directory"));
        if (!path.isEmpty())
            m_workbench->openModel(path);
    });
    m_recentMenu = file->addMenu(tr("Open &recent"));
    file->addSeparator();
    QAction* saveSession = file->addAction(tr("&Save session..."));
    saveSession->setShortcut(QKeySequence::Save);
    connect(saveSession, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Save session"),
                                                          QStringLiteral("session.flatslice.h5"),
                                                          tr("Sessions (*.flatslice.h5 *.h5)"));
        if (!path.isEmpty())
            m_workbench->saveSession(path);
    });
    m_needSession << saveSession;
    QAction* loadPlan = file->addAction(tr("&Load plan..."));
    connect(loadPlan, &QAction::triggered, this, &MainMenus::promptLoadPlan);
    QAction* savePlan = file->addAction(tr("Save &plan..."));
    savePlan->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    connect(savePlan, &QAction::triggered, this, &MainMenus::promptSavePlan);
    m_needModel << loadPlan << savePlan;
    file->addSeparator();
    QAction* exportModel = file->addAction(tr("&Export compressed model..."));
    exportModel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exportModel, &QAction::triggered, this, [this] {
        CompressDialog dialog(m_window);
        const core::CompressionJobOptions defaults = m_workbench->compressionDefaults();
        dialog.setDefaults(QString::fromStdString(defaults.outputPath),
                           QString::fromStdString(defaults.calibrationPath), defaults.samples, defaults.seqlen,
                           defaults.seed.value_or(m_workbench->protocol().seed),
                           QString::fromStdString(defaults.evalPath));
        if (dialog.exec() == QDialog::Accepted)
            m_workbench->startCompression(dialog.options());
    });
    m_needModel << exportModel;
    QAction* exportPlot = file->addAction(tr("Export &plot of this view..."));
    connect(exportPlot, &QAction::triggered, this, [this] {
        QTabWidget* tabs = m_window->tabs();
        const QString name = tabs->tabText(tabs->currentIndex()).toLower() + QStringLiteral(".png");
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Export plot"), name, PlotExport::fileFilter());
        if (!path.isEmpty())
            m_window->exportCurrentPlots(path);
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, m_window, &QWidget::close);
}

void MainMenus::buildJobsMenu()
{
    QMenu* jobs = m_window->menuBar()->addMenu(tr("&Jobs"));
    QAction* analyse = jobs->addAction(tr("&Analyse redundancy"));
    analyse->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(analyse, &QAction::triggered, m_workbench, qOverload<>(&Workbench::startAnalysis));
    QAction* suggest = jobs->addAction(tr("&Suggest a plan (10% of blocks, flatten pairs)"));
    connect(suggest, &QAction::triggered, this, [this] { m_workbench->suggestPlan(0.10, false); });
    m_needSession << suggest;
    QAction* evaluate = jobs->addAction(tr("&Evaluate perplexity"));
    connect(evaluate, &QAction::triggered, m_workbench, &Workbench::startEvaluation);
    QAction* bench = jobs->addAction(tr("&Benchmark speed"));
    connect(bench, &QAction::triggered, m_workbench, &Workbench::startBenchmark);
    QAction* compare = jobs->addAction(tr("&Compare dense and compressed"));
    connect(compare, &QAction::triggered, m_workbench, &Workbench::startComparison);
    m_needModel << analyse << evaluate << bench << compare;
    jobs->addSeparator();
    m_cancel = jobs->addAction(tr("&Cancel the running job"));
    m_cancel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    connect(m_cancel, &QAction::triggered, m_workbench->jobRunner(), &JobRunner::cancel);
}

void MainMenus::updateEnabled()
{
    for (QAction* a : m_needModel)
        a->setEnabled(m_workbench->planDocument()->hasModel());
    for (QAction* a : m_needSession)
        a->setEnabled(m_workbench->session() != nullptr);
    m_cancel->setEnabled(m_workbench->jobRunner()->isBusy());
}

void MainMenus::promptLoadPlan()
{
    const QString path = QFileDialog::getOpenFileName(m_window, tr("Load plan"), QString(), tr("Plans (*.json)"));
    if (!path.isEmpty())
        m_workbench->loadPlan(path);
}

void MainMenus::promptSavePlan()
{
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Save plan"), QStringLiteral("plan.plan.json"),
                                                      tr("Plans (*.json)"));
    if (!path.isEmpty())
        m_workbench->savePlan(path);
}

void MainMenus::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_workbench->recentFiles()->paths();
    for (const QString& path : recent) {
        QAction* action = m_recentMenu->addAction(path);
        connect(action, &QAction::triggered, m_workbench, [this, path] { m_workbench->openPath(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

} // namespace flatslice::ui
