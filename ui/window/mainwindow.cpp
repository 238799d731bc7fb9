// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include <QCloseEvent>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QStatusBar>
#include <QTabWidget>

#include <qcustomplot.h>

#include "jobs/jobrunner.h"
#include "jobstatuswidget.h"
#include "maindocks.h"
#include "mainmenus.h"
#include "plan/plandocument.h"
#include "plan/planpanel.h"
#include "plot/plotexport.h"
#include "views/analysepanel.h"
#include "views/architectureview.h"
#include "views/blockstrip.h"
#include "views/compareview.h"
#include "views/importanceview.h"
#include "views/similarityview.h"
#include "views/spectraview.h"
#include "workbench/workbench.h"

namespace flatslice::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_workbench(new Workbench(this))
{
    setWindowTitle(QStringLiteral("flatslice"));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);

    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    m_architecture = new ArchitectureView;
    m_tabs->addTab(m_architecture, tr("Architecture"));
    m_similarity = new SimilarityView;
    m_tabs->addTab(m_similarity, tr("Similarity"));
    m_spectra = new SpectraView;
    m_tabs->addTab(m_spectra, tr("Spectra"));
    m_importance = new ImportanceView;
    m_tabs->addTab(m_importance, tr("Importance"));
    m_compareView = new CompareView;
    m_tabs->addTab(m_compareView, tr("Compare"));
    setCentralWidget(m_tabs);

    PlanDocument* plan = m_workbench->planDocument();
    m_similarity->setPlanDocument(plan);
    m_spectra->setPlanDocument(plan);
    m_importance->setPlanDocument(plan);
    m_compareView->setPlanDocument(plan);
    m_docks = std::make_unique<MainDocks>(this, plan);
    statusBar()->addPermanentWidget(new JobStatusWidget(m_workbench->jobRunner()));
    m_menus = new MainMenus(this, m_workbench, m_docks->toggleActions());

    connectWorkbench();
    analysePanel()->setProtocol(m_workbench->protocol());
    statusBar()->showMessage(tr("No model open"));
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::connectWorkbench()
{
    Workbench* wb = m_workbench;
    AnalysePanel* panel = analysePanel();
    connect(panel, &AnalysePanel::protocolEdited, wb, &Workbench::setProtocol);
    connect(panel, &AnalysePanel::textPathEdited, wb, &Workbench::rememberTextPaths);
    connect(panel, &AnalysePanel::analyseRequested, wb, qOverload<>(&Workbench::startAnalysis));
    connect(wb, &Workbench::protocolChanged, panel, [this] { analysePanel()->setProtocol(m_workbench->protocol()); });
    connect(wb, &Workbench::protocolNeeded, this, [this] { m_tabs->setCurrentWidget(m_architecture); });

    PlanPanel* planPanel = m_docks->planPanel();
    connect(planPanel, &PlanPanel::suggestRequested, wb,
            [wb](double share, bool drop) { wb->suggestPlan(share, drop); });
    connect(planPanel, &PlanPanel::loadRequested, m_menus, &MainMenus::promptLoadPlan);
    connect(planPanel, &PlanPanel::saveRequested, m_menus, &MainMenus::promptSavePlan);

    connect(wb, &Workbench::modelLoaded, this, &MainWindow::showSummary);
    connect(wb, &Workbench::sessionChanged, this, &MainWindow::showSession);
    connect(wb, &Workbench::comparisonChanged, this, [this] {
        if (const auto& comparison = m_workbench->comparison())
            m_compareView->setComparison(*comparison);
        else
            m_compareView->clearComparison();
    });
    connect(wb, &Workbench::analysisFinished, this, [this] {
        if (m_tabs->currentWidget() == m_architecture)
            m_tabs->setCurrentWidget(m_similarity);
    });
    connect(wb, &Workbench::measurementFinished, this, [this] {
        if (m_workbench->lastMeasurements().size() == 2) // a comparison: show it
            m_tabs->setCurrentWidget(m_compareView);
    });

    connect(wb, &Workbench::logLine, this, [this](const QString& line) { m_docks->appendLog(line); });
    connect(wb, &Workbench::statusMessage, this,
            [this](const QString& text, int timeoutMs) { statusBar()->showMessage(text, timeoutMs); });
    connect(wb, &Workbench::errorOccurred, this, &MainWindow::showError);
    connect(wb, &Workbench::information, this, &MainWindow::showInformation);

    connect(wb->planDocument(), &PlanDocument::planChanged, this, &MainWindow::updateActions);
    connect(wb->jobRunner(), &JobRunner::busyChanged, this, &MainWindow::updateActions);
}

AnalysePanel* MainWindow::analysePanel() const
{
    return m_architecture->analysePanel();
}

BlockStrip* MainWindow::blockStrip() const
{
    return m_docks->strip();
}

PlanPanel* MainWindow::planPanel() const
{
    return m_docks->planPanel();
}

void MainWindow::appendLog(const QString& line)
{
    m_docks->appendLog(line);
}

QString MainWindow::logText() const
{
    return m_docks->logText();
}

void MainWindow::showSummary()
{
    const core::ModelSummary* summary = m_workbench->summary();
    if (!summary)
        return;
    setWindowTitle(tr("flatslice: %1").arg(QFileInfo(QString::fromStdString(summary->path)).fileName()));
    m_architecture->setSummary(*summary);
    updateActions();
}

void MainWindow::showSession()
{
    const auto& session = m_workbench->session();
    m_docks->strip()->setSession(session);
    m_similarity->setSession(session);
    m_spectra->setSession(session);
    m_importance->setSession(session);
    m_compareView->setSession(session);
    updateActions();
}

void MainWindow::updateActions()
{
    m_menus->updateEnabled();
    analysePanel()->setRunEnabled(!m_workbench->modelPath().isEmpty());
    m_docks->planPanel()->setSuggestEnabled(m_workbench->session() != nullptr);
}

QList<QCustomPlot*> MainWindow::plotsOfTab(int index) const
{
    QWidget* w = m_tabs->widget(index);
    if (w == m_architecture)
        return m_architecture->plots();
    if (w == m_similarity)
        return m_similarity->plots();
    if (w == m_spectra)
        return m_spectra->plots();
    if (w == m_importance)
        return m_importance->plots();
    if (w == m_compareView)
        return m_compareView->plots();
    return {};
}

bool MainWindow::exportCurrentPlots(const QString& path)
{
    const QList<QCustomPlot*> plots = plotsOfTab(m_tabs->currentIndex());
    if (plots.isEmpty()) {
        showError(tr("Nothing to export"), tr("This tab has no plots."));
        return false;
    }
    const QFileInfo info(path);
    for (int i = 0; i < plots.size(); ++i) {
        const QString target =
            i == 0 ? path
                   : info.dir().filePath(
                         QStringLiteral("%1-%2.%3").arg(info.completeBaseName()).arg(i + 1).arg(info.suffix()));
        QString error;
        if (!PlotExport::save(plots[i], target, 0, 0, 2.0, &error)) {
            showError(tr("Could not export the plot"), error);
            return false;
        }
        m_docks->appendLog(tr("plot saved to %1").arg(target));
    }
    return true;
}

void MainWindow::showError(const QString& title, const QString& message)
{
    m_docks->appendLog(tr("error: %1: %2").arg(title, message));
    // Non-modal, so an error never blocks the window or a test.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT errorShown(title, message);
}

void MainWindow::showInformation(const QString& title, const QString& text)
{
    auto* box = new QMessageBox(QMessageBox::Information, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile())
        m_workbench->openPath(urls.front().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_workbench->jobRunner()->cancel();
    QMainWindow::closeEvent(event);
}

} // namespace flatslice::ui
