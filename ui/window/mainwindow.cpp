#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

#include <cmath>
#include <utility>

#include <qcustomplot.h>

#include "views/analysepanel.h"
#include "views/architectureview.h"
#include "views/blockstrip.h"
#include "compress/plansuggestion.h"
#include "views/compareview.h"
#include "views/comparisondata.h"
#include "dialogs/compressdialog.h"
#include "plot/explainedvariance.h"
#include "views/importanceview.h"
#include "io/checkpoint.h"
#include "jobs/jobrunner.h"
#include "plan/plandocument.h"
#include "plan/planpanel.h"
#include "plot/plotexport.h"
#include "views/similarityview.h"
#include "views/spectraview.h"
#include "util/error.h"

namespace flatslice::ui {

namespace {

constexpr int kMaxRecent = 8;
constexpr const char* kComparePrompt = "The history of the city begins";
const char* kRecentKey = "recentModels";

QString grouped(qint64 n)
{
    return QLocale(QLocale::English).toString(n);
}

bool isSessionPath(const QString& path)
{
    return path.endsWith(QStringLiteral(".h5"), Qt::CaseInsensitive) ||
           path.endsWith(QStringLiteral(".hdf5"), Qt::CaseInsensitive);
}

bool isPlanPath(const QString& path)
{
    return path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive) && QFileInfo(path).fileName() != QStringLiteral("config.json");
}

bool samePath(const QString& a, const QString& b)
{
    return !a.isEmpty() && QFileInfo(a).absoluteFilePath() == QFileInfo(b).absoluteFilePath();
}

QString formatEta(double seconds)
{
    if (seconds < 0 || !std::isfinite(seconds))
        return {};
    const auto s = static_cast<qint64>(std::llround(seconds));
    return s >= 60 ? QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'))
                   : QStringLiteral("%1 s").arg(s);
}

QString planLabel(const core::Plan& plan)
{
    QStringList parts;
    if (!plan.flatten.empty())
        parts << QObject::tr("%1 flattened").arg(plan.flatten.size());
    if (!plan.drop.empty())
        parts << QObject::tr("%1 dropped").arg(plan.drop.size());
    if (plan.slice && plan.slice->ratio)
        parts << QObject::tr("s = %1").arg(*plan.slice->ratio, 0, 'f', 2);
    else if (plan.slice)
        parts << QObject::tr("sliced per layer");
    return parts.isEmpty() ? QObject::tr("unchanged") : parts.join(QStringLiteral(", "));
}

// The dense side's spectrum on the Compare tab: the attention input of the first block the plan changes (the
// middle block when it changes none).
void addDenseSpectrum(ComparisonData& comparison, const core::AnalysisResult* session, const core::Plan& plan)
{
    if (!session || session->blocks.empty())
        return;
    std::size_t block = session->blocks.size() / 2;
    if (!plan.flatten.empty())
        block = static_cast<std::size_t>(plan.flatten.front().front());
    else if (!plan.drop.empty())
        block = static_cast<std::size_t>(plan.drop.front());
    const core::Spectrum& spectrum = session->blocks[block].attnInput;
    if (spectrum.eigenvalues.empty())
        return;
    comparison.dense.explainedVariance = ExplainedVariance(spectrum.eigenvalues).cumulative();
    comparison.spectrumLabel = QObject::tr("block %1, attention input").arg(block);
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_jobs(new JobRunner(this)), m_plan(new PlanDocument(this))
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

    connect(m_similarity, &SimilarityView::flattenPairToggled, m_plan, &PlanDocument::toggleFlattenPair);
    connect(m_importance, &ImportanceView::flattenPairToggled, m_plan, &PlanDocument::toggleFlattenPair);
    connect(m_spectra, &SpectraView::sliceWidthRequested, m_plan, &PlanDocument::setSliceWidth);
    connect(m_architecture->analysePanel(), &AnalysePanel::analyseRequested, this,
            qOverload<>(&MainWindow::startAnalysis));

    buildDocks();
    buildStatusBar();
    buildMenus();

    connect(m_plan, &PlanDocument::planChanged, this, &MainWindow::planChanged);
    connect(m_plan, &PlanDocument::editRejected, this,
            [this](const QString& why) { statusBar()->showMessage(tr("Plan edit refused: %1").arg(why), 8000); });

    connect(m_jobs, &JobRunner::logLine, this, &MainWindow::appendLog);
    connect(m_jobs, &JobRunner::jobStarted, this, [this](quint64, const QString& title) {
        m_jobLabel->setText(title);
        m_progress->setRange(0, 0);
        m_jobLabel->show();
        m_progress->show();
        m_cancel->show();
    });
    connect(m_jobs, &JobRunner::progressChanged, this,
            [this](quint64, qint64 done, qint64 total, const QString& message, double eta) {
                if (total > 0) {
                    m_progress->setRange(0, 1000);
                    m_progress->setValue(static_cast<int>(1000 * std::min(done, total) / total));
                } else {
                    m_progress->setRange(0, 0);
                }
                const QString etaText = formatEta(eta);
                m_jobLabel->setText(etaText.isEmpty() ? tr("%1: %2").arg(m_jobs->currentTitle(), message)
                                                      : tr("%1: %2 (ETA %3)").arg(m_jobs->currentTitle(), message, etaText));
            });
    connect(m_jobs, &JobRunner::busyChanged, this, [this](bool busy) {
        if (!busy) {
            m_jobLabel->hide();
            m_progress->hide();
            m_cancel->hide();
        }
        updateActions();
    });
    connect(m_jobs, &JobRunner::jobFailed, this,
            [this](quint64, const QString& title, const QString& message) { showError(tr("%1 failed").arg(title), message); });
    connect(m_jobs, &JobRunner::jobCancelled, this,
            [this](quint64, const QString& title) { statusBar()->showMessage(tr("%1 cancelled").arg(title), 8000); });

    statusBar()->showMessage(tr("No model open"));
    planChanged();
    updateActions();
}

MainWindow::~MainWindow() = default;

AnalysePanel* MainWindow::analysePanel() const
{
    return m_architecture->analysePanel();
}

void MainWindow::buildDocks()
{
    // Left: the block strip with its metric chooser.
    auto* stripPage = new QWidget;
    auto* stripLayout = new QVBoxLayout(stripPage);
    stripLayout->setContentsMargins(4, 4, 4, 4);
    m_metric = new QComboBox;
    m_metric->setObjectName(QStringLiteral("metricCombo"));
    for (const auto metric : {BlockStrip::Metric::Similarity, BlockStrip::Metric::BlockInfluence,
                              BlockStrip::Metric::AttnDim95, BlockStrip::Metric::MlpDim95})
        m_metric->addItem(BlockStrip::metricName(metric), static_cast<int>(metric));
    m_metric->setToolTip(tr("What colours the blocks"));
    m_metric->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_metric->setMinimumContentsLength(8);
    m_strip = new BlockStrip(m_plan);
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] {
        m_strip->setMetric(static_cast<BlockStrip::Metric>(m_metric->currentData().toInt()));
    });
    auto* stripHelp = new QLabel(tr("Click a gap: flatten pair. Ctrl-click: drop."));
    stripHelp->setWordWrap(true);
    QFont small = stripHelp->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    stripHelp->setFont(small);
    stripLayout->addWidget(m_metric);
    stripLayout->addWidget(m_strip, 1);
    stripLayout->addWidget(stripHelp);
    auto* stripDock = new QDockWidget(tr("Blocks"), this);
    stripDock->setObjectName(QStringLiteral("blocksDock"));
    stripDock->setWidget(stripPage);
    stripDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::LeftDockWidgetArea, stripDock);

    // Right: the plan.
    m_planPanel = new PlanPanel(m_plan);
    auto* scroll = new QScrollArea;
    scroll->setWidget(m_planPanel);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setMinimumWidth(325);
    auto* planDock = new QDockWidget(tr("Plan"), this);
    planDock->setObjectName(QStringLiteral("planDock"));
    planDock->setWidget(scroll);
    planDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, planDock);
    connect(m_planPanel, &PlanPanel::suggestRequested, this,
            [this](double share, bool drop) { suggestPlan(share, drop); });
    connect(m_planPanel, &PlanPanel::loadRequested, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load plan"), QString(), tr("Plans (*.json)"));
        if (!path.isEmpty())
            loadPlan(path);
    });
    connect(m_planPanel, &PlanPanel::saveRequested, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Save plan"), QStringLiteral("plan.plan.json"), tr("Plans (*.json)"));
        if (!path.isEmpty())
            savePlan(path);
    });

    // Bottom: the log.
    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("logView"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName(QStringLiteral("logDock"));
    logDock->setWidget(m_log);
    logDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    resizeDocks({logDock}, {110}, Qt::Vertical);
    resizeDocks({stripDock, planDock}, {140, 325}, Qt::Horizontal);

    m_viewMenu = new QMenu(tr("&View"), this);
    m_viewMenu->addAction(stripDock->toggleViewAction());
    m_viewMenu->addAction(planDock->toggleViewAction());
    m_viewMenu->addAction(logDock->toggleViewAction());
}

void MainWindow::buildStatusBar()
{
    m_jobLabel = new QLabel;
    m_progress = new QProgressBar;
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_cancel = new QToolButton;
    m_cancel->setText(tr("Cancel"));
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    connect(m_cancel, &QToolButton::clicked, m_jobs, &JobRunner::cancel);
    statusBar()->addPermanentWidget(m_jobLabel);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    m_jobLabel->hide();
    m_progress->hide();
    m_cancel->hide();
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open model, session or plan..."));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open"), QString(),
            tr("Models, sessions and plans (*.gguf config.json *.safetensors *.h5 *.json);;All files (*)"));
        if (!path.isEmpty())
            openPath(path);
    });
    QAction* openDir = file->addAction(tr("Open model &directory..."));
    connect(openDir, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Open Hugging Face model directory"));
        if (!path.isEmpty())
            openModel(path);
    });
    m_recentMenu = file->addMenu(tr("Open &recent"));
    rebuildRecentMenu();
    file->addSeparator();
    QAction* saveSessionAction = file->addAction(tr("&Save session..."));
    saveSessionAction->setShortcut(QKeySequence::Save);
    connect(saveSessionAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save session"), QStringLiteral("session.flatslice.h5"),
                                                          tr("Sessions (*.flatslice.h5 *.h5)"));
        if (!path.isEmpty())
            saveSession(path);
    });
    m_needSession << saveSessionAction;
    QAction* loadPlanAction = file->addAction(tr("&Load plan..."));
    connect(loadPlanAction, &QAction::triggered, m_planPanel, &PlanPanel::loadRequested);
    QAction* savePlanAction = file->addAction(tr("Save &plan..."));
    savePlanAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    connect(savePlanAction, &QAction::triggered, m_planPanel, &PlanPanel::saveRequested);
    m_needModel << loadPlanAction << savePlanAction;
    file->addSeparator();
    QAction* exportModel = file->addAction(tr("&Export compressed model..."));
    exportModel->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    connect(exportModel, &QAction::triggered, this, [this] {
        CompressDialog dialog(this);
        const AnalysisRequest protocol = analysePanel()->request();
        const QString base = QFileInfo(m_modelPath).completeBaseName();
        dialog.setDefaults(QDir::home().filePath(base + QStringLiteral("-flatslice")),
                           QString::fromStdString(protocol.calibrationPath), protocol.samples, protocol.seqlen,
                           protocol.seed, evaluationPath());
        if (dialog.exec() == QDialog::Accepted)
            startCompression(dialog.options());
    });
    m_needModel << exportModel;
    QAction* exportPlot = file->addAction(tr("Export &plot of this view..."));
    connect(exportPlot, &QAction::triggered, this, [this] {
        const QString name = m_tabs->tabText(m_tabs->currentIndex()).toLower() + QStringLiteral(".png");
        const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"), name, PlotExport::fileFilter());
        if (!path.isEmpty())
            exportCurrentPlots(path);
    });
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_plan->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_plan->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* jobs = menuBar()->addMenu(tr("&Jobs"));
    QAction* analyse = jobs->addAction(tr("&Analyse redundancy"));
    analyse->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(analyse, &QAction::triggered, this, qOverload<>(&MainWindow::startAnalysis));
    QAction* suggest = jobs->addAction(tr("&Suggest a plan (10% of blocks, flatten pairs)"));
    connect(suggest, &QAction::triggered, this, [this] { suggestPlan(0.10, false); });
    m_needSession << suggest;
    QAction* evaluate = jobs->addAction(tr("&Evaluate perplexity"));
    connect(evaluate, &QAction::triggered, this, &MainWindow::startEvaluation);
    QAction* bench = jobs->addAction(tr("&Benchmark speed"));
    connect(bench, &QAction::triggered, this, &MainWindow::startBenchmark);
    QAction* compare = jobs->addAction(tr("&Compare dense and compressed"));
    connect(compare, &QAction::triggered, this, &MainWindow::startComparison);
    m_needModel << analyse << evaluate << bench << compare;
    jobs->addSeparator();
    m_cancelAction = jobs->addAction(tr("&Cancel the running job"));
    m_cancelAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    connect(m_cancelAction, &QAction::triggered, m_jobs, &JobRunner::cancel);

    menuBar()->addMenu(m_viewMenu);
}

void MainWindow::updateActions()
{
    const bool model = m_plan->hasModel();
    for (QAction* a : m_needModel)
        a->setEnabled(model);
    for (QAction* a : m_needSession)
        a->setEnabled(m_session != nullptr);
    m_cancelAction->setEnabled(m_jobs->isBusy());
    analysePanel()->setRunEnabled(!m_modelPath.isEmpty());
    m_planPanel->setSuggestEnabled(m_session != nullptr);
}

void MainWindow::appendLog(const QString& line)
{
    m_log->appendPlainText(QStringLiteral("%1  %2").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), line));
}

QString MainWindow::logText() const
{
    return m_log->toPlainText();
}

// ---- opening and saving ----------------------------------------------------------------------------------------

void MainWindow::openPath(const QString& path)
{
    if (isSessionPath(path))
        openSession(path);
    else if (isPlanPath(path))
        loadPlan(path);
    else
        openModel(path);
}

void MainWindow::openModel(const QString& path)
{
    m_loading = true;
    const quint64 generation = ++m_generation;
    statusBar()->showMessage(tr("Opening %1 ...").arg(path));
    appendLog(tr("opening model %1").arg(path));
    QPointer<MainWindow> self(this);
    const std::string file = QFileInfo(path).absoluteFilePath().toStdString();
    QThread* worker = QThread::create([self, generation, file, path] {
        std::shared_ptr<core::ModelSummary> summary;
        QString error;
        try {
            const auto checkpoint = core::Checkpoint::open(file);
            summary = std::make_shared<core::ModelSummary>(core::ModelSummary::of(*checkpoint));
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, generation, summary, error, path] {
                if (!self || generation != self->m_generation)
                    return; // a newer open superseded this one
                self->m_loading = false;
                if (summary) {
                    self->m_summary = std::make_unique<core::ModelSummary>(*summary);
                    self->m_modelPath = QFileInfo(path).absoluteFilePath();
                    self->showSummary(*summary);
                    self->addRecent(path);
                    Q_EMIT self->modelLoaded();
                    if (!self->m_pendingPlan.isEmpty()) {
                        const QString plan = std::exchange(self->m_pendingPlan, QString());
                        self->loadPlan(plan);
                    }
                } else {
                    self->m_pendingPlan.clear();
                    self->statusBar()->showMessage(tr("Could not open the model"));
                    self->showError(tr("Could not open the model"), error);
                    Q_EMIT self->loadFailed(error);
                }
            },
            Qt::QueuedConnection);
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}

void MainWindow::showSummary(const core::ModelSummary& s)
{
    const core::ModelConfig& c = s.config;
    setWindowTitle(tr("flatslice: %1").arg(QFileInfo(QString::fromStdString(s.path)).fileName()));
    m_architecture->setSummary(s);
    // A session of this model stays; anything else belongs to another model.
    const bool keepSession = m_session && samePath(QString::fromStdString(m_session->model.path), m_modelPath) &&
                             m_session->config.numLayers == c.numLayers;
    if (!keepSession) {
        m_measuredComparison = false;
        m_lastCompression.reset();
        if (m_session)
            setSession(nullptr);
        core::ModelFingerprint fingerprint;
        fingerprint.path = m_modelPath.toStdString();
        fingerprint.format = s.format;
        m_plan->setModel(c, fingerprint);
    }
    statusBar()->showMessage(tr("%1: %2 layers, %3 parameters. Analyse it on the Architecture tab (Ctrl+R).")
                                 .arg(QString::fromStdString(c.architecture))
                                 .arg(c.numLayers)
                                 .arg(grouped(s.totalParams())));
    appendLog(tr("model %1: %2, %3 layers, hidden %4, %5 parameters")
                  .arg(m_modelPath, QString::fromStdString(c.architecture))
                  .arg(c.numLayers)
                  .arg(c.hiddenSize)
                  .arg(grouped(s.totalParams())));
    updateActions();
}

void MainWindow::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    if (m_session) {
        if (!m_plan->hasModel() || m_plan->config().numLayers != m_session->config.numLayers ||
            m_plan->config().hiddenSize != m_session->config.hiddenSize)
            m_plan->setModel(m_session->config, m_session->model);
        m_plan->setProtocol(m_session->protocol);
        AnalysisRequest protocol = analysePanel()->request();
        protocol.calibrationPath = m_session->protocol.corpusPath;
        protocol.samples = m_session->protocol.samples;
        protocol.seqlen = m_session->protocol.seqlen;
        protocol.seed = m_session->protocol.seed;
        analysePanel()->setRequest(protocol);
        const QString model = QString::fromStdString(m_session->model.path);
        if (!samePath(model, m_modelPath) && QFileInfo::exists(model))
            openModel(model);
        appendLog(tr("session: %1 blocks, %2 windows x %3 tokens of %4")
                      .arg(m_session->blocks.size())
                      .arg(m_session->protocol.samples)
                      .arg(m_session->protocol.seqlen)
                      .arg(QString::fromStdString(m_session->protocol.corpusPath)));
    }
    m_strip->setSession(m_session);
    m_similarity->setSession(m_session);
    m_spectra->setSession(m_session);
    m_importance->setSession(m_session);
    m_compareView->setSession(m_session);
    planChanged();
    updateActions();
    Q_EMIT sessionChanged();
}

void MainWindow::openSession(const QString& path)
{
    const std::string file = path.toStdString();
    m_jobs->start(
        tr("Open session"), [file](const JobContext& context) { return readSessionJob(file, context); },
        [this, path](const std::shared_ptr<const core::AnalysisResult>& session) {
            setSession(session);
            addRecent(path);
            statusBar()->showMessage(tr("Session %1 opened").arg(path), 8000);
        });
}

void MainWindow::saveSession(const QString& path)
{
    if (!m_session) {
        showError(tr("No session"), tr("Analyse the model first: there is nothing to save."));
        return;
    }
    const auto session = m_session;
    const std::string file = path.toStdString();
    m_jobs->start(
        tr("Save session"),
        [file, session](const JobContext& context) {
            writeSessionJob(file, *session, context);
            return true;
        },
        [this, path](bool) { statusBar()->showMessage(tr("Session saved to %1").arg(path), 8000); });
}

bool MainWindow::loadPlan(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showError(tr("Could not load the plan"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    const std::string text = file.readAll().toStdString();
    try {
        if (!m_plan->hasModel()) {
            // Open the plan's model first, then the plan.
            const core::Plan plan = core::Plan::fromJson(text, path.toStdString());
            const QString model = QString::fromStdString(plan.model.path);
            if (model.isEmpty() || !QFileInfo::exists(model))
                throw core::Error(path.toStdString() + ": open the model this plan is for first");
            m_pendingPlan = path;
            openModel(model);
            return true;
        }
        m_plan->loadJson(text, path.toStdString());
    } catch (const core::Error& e) {
        showError(tr("Could not load the plan"), QString::fromStdString(e.what()));
        return false;
    }
    appendLog(tr("plan loaded from %1").arg(path));
    return true;
}

bool MainWindow::savePlan(const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        showError(tr("Could not save the plan"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    file.write(QByteArray::fromStdString(m_plan->toJson()));
    if (!file.commit()) {
        showError(tr("Could not save the plan"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    appendLog(tr("plan saved to %1 (re-run headless: flatslice compress MODEL --plan %1 --calib FILE -o OUT)").arg(path));
    statusBar()->showMessage(tr("Plan saved to %1").arg(path), 8000);
    return true;
}

bool MainWindow::suggestPlan(double blockShare, bool drop)
{
    if (!m_session) {
        showError(tr("No analysis"), tr("Suggesting a plan needs an analysis: analyse the model or open a session."));
        return false;
    }
    core::SuggestOptions options;
    const auto blocks = static_cast<double>(m_session->blocks.size());
    const auto count = std::max<std::int64_t>(1, std::llround(blockShare * blocks));
    (drop ? options.dropCount : options.flattenCount) = count;
    options.slice = m_plan->plan().slice;
    options.options = m_plan->plan().options;
    try {
        const core::Plan plan = core::suggestPlan(*m_session, options);
        if (!m_plan->replacePlan(plan, drop ? tr("Suggest: drop %1 blocks").arg(count)
                                            : tr("Suggest: flatten %1 pairs").arg(count)))
            return false;
    } catch (const core::Error& e) {
        showError(tr("Could not suggest a plan"), QString::fromStdString(e.what()));
        return false;
    }
    appendLog(drop ? tr("suggested: drop the %1 blocks with the lowest Block Influence").arg(count)
                   : tr("suggested: flatten the %1 most similar adjacent pairs (FlattenGPT greedy)").arg(count));
    return true;
}

// ---- jobs ----------------------------------------------------------------------------------------------------

void MainWindow::startAnalysis()
{
    startAnalysis(analysePanel()->request());
}

void MainWindow::startAnalysis(const AnalysisRequest& given)
{
    if (m_modelPath.isEmpty()) {
        showError(tr("No model"), tr("Open a model to analyse."));
        return;
    }
    AnalysisRequest request = given;
    request.modelPath = m_modelPath.toStdString();
    if (request.calibrationPath.empty()) {
        m_tabs->setCurrentWidget(m_architecture);
        showError(tr("No calibration text"),
                  tr("Choose a calibration text file in the Analyse panel (e.g. wikitext-2 valid.txt)."));
        return;
    }
    appendLog(tr("analyse %1: %2 windows x %3 tokens of %4, seed %5, %6")
                  .arg(m_modelPath)
                  .arg(request.samples)
                  .arg(request.seqlen)
                  .arg(QString::fromStdString(request.calibrationPath))
                  .arg(request.seed)
                  .arg(QString::fromStdString(request.dtype)));
    m_jobs->start(
        tr("Analyse"), [request](const JobContext& context) { return runAnalysis(request, context); },
        [this](const std::shared_ptr<const core::AnalysisResult>& session) {
            setSession(session);
            if (m_tabs->currentWidget() == m_architecture)
                m_tabs->setCurrentWidget(m_similarity);
            statusBar()->showMessage(tr("Analysis done in %1 s: click pairs to flatten, or Suggest in the plan panel")
                                         .arg(session->seconds, 0, 'f', 1),
                                     15000);
            Q_EMIT analysisFinished();
        });
}

void MainWindow::startCompression(core::CompressionJobOptions options)
{
    if (m_modelPath.isEmpty()) {
        showError(tr("No model"), tr("Open a model to compress."));
        return;
    }
    options.modelPath = m_modelPath.toStdString();
    core::Plan plan = m_plan->plan();
    plan.model = m_session ? m_session->model : core::ModelFingerprint{};
    if (m_session)
        plan.protocol = m_session->protocol;
    options.plan = plan;
    options.planSource = "the workbench plan";
    appendLog(tr("compress %1 -> %2 (%3 %4)")
                  .arg(m_modelPath, QString::fromStdString(options.outputPath),
                       options.format == core::ExportFormat::Gguf ? QStringLiteral("GGUF") : QStringLiteral("HF"),
                       QString::fromStdString(options.outputType)));
    m_jobs->start(
        tr("Compress and export"), [options](const JobContext& context) { return runCompress(options, context); },
        [this](const core::CompressionJobResult& result) { showCompression(result); });
}

void MainWindow::showCompression(const core::CompressionJobResult& r)
{
    m_lastCompression = r;
    const double drift = std::abs(r.selfCheckReloaded - r.selfCheckInMemory) / std::max(1e-12, r.selfCheckInMemory);
    QString text = tr("Plan: %1.\n").arg(planLabel(m_plan->plan()));
    text += tr("Wrote %1\n%2 -> %3 layers, %4 -> %5 parameters.\nSelf-check: perplexity %6 in memory, %7 "
                      "reloaded from the files (%8).")
                       .arg(QString::fromStdString(r.outputPath))
                       .arg(r.report.layersBefore)
                       .arg(r.report.layersAfter)
                       .arg(grouped(r.report.parametersBefore), grouped(r.report.parametersAfter))
                       .arg(r.selfCheckInMemory, 0, 'f', 4)
                       .arg(r.selfCheckReloaded, 0, 'f', 4)
                       .arg(drift < 1e-3 ? tr("match") : tr("relative difference %1").arg(drift, 0, 'g', 3));
    if (r.evaluation)
        text += tr("\nPerplexity %1 over %2 tokens.").arg(r.evaluation->perplexity, 0, 'f', 3).arg(r.evaluation->tokens);
    for (const std::string& w : r.warnings)
        text += QStringLiteral("\n") + tr("Warning: %1").arg(QString::fromStdString(w));
    appendLog(text);
    ComparisonData comparison;
    comparison.dense.label = tr("dense");
    comparison.dense.parameters = r.report.parametersBefore;
    comparison.dense.layers = r.report.layersBefore;
    comparison.compressed.label = tr("compressed");
    comparison.compressed.parameters = r.report.parametersAfter;
    comparison.compressed.layers = r.report.layersAfter;
    if (r.evaluation)
        comparison.compressed.perplexity = r.evaluation->perplexity;
    addDenseSpectrum(comparison, m_session.get(), m_plan->plan());
    m_compareView->setComparison(comparison);
    m_measuredComparison = true;
    auto* box = new QMessageBox(QMessageBox::Information, tr("Compressed model written"), text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT compressionFinished();
}

QString MainWindow::evaluationPath() const
{
    return QString::fromStdString(analysePanel()->request().evaluationPath);
}

void MainWindow::startEvaluation()
{
    const QString eval = evaluationPath();
    if (eval.isEmpty()) {
        m_tabs->setCurrentWidget(m_architecture);
        showError(tr("No evaluation text"), tr("Choose the evaluation text in the Analyse panel (e.g. wiki.test.raw)."));
        return;
    }
    MeasureRequest request;
    request.modelPath = m_modelPath.toStdString();
    request.label = "dense";
    request.evalPath = eval.toStdString();
    startMeasure({request}, tr("Evaluate"));
}

void MainWindow::startBenchmark()
{
    MeasureRequest request;
    request.modelPath = m_modelPath.toStdString();
    request.label = "dense";
    request.throughput = true;
    startMeasure({request}, tr("Benchmark"));
}

void MainWindow::startComparison()
{
    if (!m_lastCompression) {
        showError(tr("Nothing to compare"), tr("Export a compressed model first (File > Export compressed model)."));
        return;
    }
    std::vector<MeasureRequest> requests(2);
    requests[0].modelPath = m_modelPath.toStdString();
    requests[0].label = "dense";
    requests[1].modelPath = m_lastCompression->outputPath;
    requests[1].label = "compressed";
    for (MeasureRequest& r : requests) {
        r.evalPath = evaluationPath().toStdString();
        r.evalMaxTokens = 4096;
        r.throughput = true;
        r.prompt = kComparePrompt;
    }
    startMeasure(std::move(requests), tr("Compare"));
}

void MainWindow::startMeasure(std::vector<MeasureRequest> requests, const QString& title)
{
    if (m_modelPath.isEmpty()) {
        showError(tr("No model"), tr("Open a model first."));
        return;
    }
    m_jobs->start(
        title,
        [requests](const JobContext& context) {
            std::vector<MeasureResult> results;
            for (const MeasureRequest& r : requests)
                results.push_back(runMeasure(r, context));
            return results;
        },
        [this](const std::vector<MeasureResult>& results) { showMeasurements(results); });
}

void MainWindow::showMeasurements(const std::vector<MeasureResult>& results)
{
    QStringList lines;
    for (const MeasureResult& m : results) {
        QString line = tr("%1 (%2 layers, %3 parameters)")
                           .arg(QString::fromStdString(m.label))
                           .arg(m.summary.config.numLayers)
                           .arg(grouped(m.summary.totalParams()));
        if (m.perplexity)
            line += tr(": perplexity %1 over %2 tokens").arg(m.perplexity->perplexity, 0, 'f', 3).arg(m.perplexity->tokens);
        if (m.throughput)
            line += tr(", prefill %1 tok/s, decode %2 tok/s")
                        .arg(m.throughput->prefillTokensPerSecond, 0, 'f', 1)
                        .arg(m.throughput->decodeTokensPerSecond, 0, 'f', 1);
        if (!m.sample.empty())
            line += tr("\n    sample: %1").arg(QString::fromStdString(m.sample).simplified());
        lines << line;
    }
    appendLog(lines.join(QLatin1Char('\n')));
    if (results.size() == 2) {
        ComparisonData comparison;
        comparison.prompt = QString::fromUtf8(kComparePrompt);
        for (std::size_t i = 0; i < 2; ++i) {
            const MeasureResult& m = results[i];
            ComparisonSide& side = i == 0 ? comparison.dense : comparison.compressed;
            side.label = i == 0 ? tr("dense") : tr("compressed");
            side.parameters = m.summary.totalParams();
            side.layers = m.summary.config.numLayers;
            if (m.perplexity)
                side.perplexity = m.perplexity->perplexity;
            if (m.throughput) {
                side.prefillTokensPerSecond = m.throughput->prefillTokensPerSecond;
                side.decodeTokensPerSecond = m.throughput->decodeTokensPerSecond;
            }
            side.generation = QString::fromStdString(m.sample);
        }
        addDenseSpectrum(comparison, m_session.get(), m_plan->plan());
        m_compareView->setComparison(comparison);
        m_measuredComparison = true;
        m_tabs->setCurrentWidget(m_compareView);
    }
    statusBar()->showMessage(lines.join(QStringLiteral(" | ")).left(300), 20000);
    Q_EMIT measurementFinished();
}

// ---- plan, plots, errors -------------------------------------------------------------------------------------

void MainWindow::planChanged()
{
    const core::Plan& plan = m_plan->plan();
    m_similarity->setPlan(plan);
    m_spectra->setPlan(plan);
    m_importance->setPlan(plan);
    m_compareView->setPlan(plan);
    if (!m_measuredComparison)
        showEstimateComparison();
    updateActions();
}

void MainWindow::showEstimateComparison()
{
    const auto& estimate = m_plan->estimate();
    if (!estimate) {
        m_compareView->clearComparison();
        return;
    }
    // Until something is measured, the Compare tab shows what the estimator promises.
    ComparisonData comparison;
    comparison.dense.label = tr("dense");
    comparison.dense.parameters = estimate->dense.params.total();
    comparison.dense.layers = estimate->dense.layers;
    comparison.compressed.label = tr("plan (estimate)");
    comparison.compressed.parameters = estimate->compressed.params.total();
    comparison.compressed.layers = estimate->compressed.layers;
    addDenseSpectrum(comparison, m_session.get(), m_plan->plan());
    m_compareView->setComparison(comparison);
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
        const QString target = i == 0 ? path
                                      : info.dir().filePath(QStringLiteral("%1-%2.%3")
                                                                .arg(info.completeBaseName())
                                                                .arg(i + 1)
                                                                .arg(info.suffix()));
        QString error;
        if (!PlotExport::save(plots[i], target, 0, 0, 2.0, &error)) {
            showError(tr("Could not export the plot"), error);
            return false;
        }
        appendLog(tr("plot saved to %1").arg(target));
    }
    return true;
}

void MainWindow::showError(const QString& title, const QString& message)
{
    appendLog(tr("error: %1: %2").arg(title, message));
    // Non-modal, so an error never blocks the window or a test.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    Q_EMIT errorShown(title, message);
}

void MainWindow::addRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(QLatin1String(kRecentKey)).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(QLatin1String(kRecentKey), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(QLatin1String(kRecentKey)).toStringList();
    for (const QString& path : recent) {
        QAction* action = m_recentMenu->addAction(path);
        connect(action, &QAction::triggered, this, [this, path] { openPath(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::saveScreenshots(const QString& dir, std::function<void()> done)
{
    // One tab per timer turn, so each tab is laid out and its plots replotted at their real size before the grab.
    auto step = std::make_shared<std::function<void(int)>>();
    *step = [this, dir, done, step](int i) {
        if (i >= m_tabs->count()) {
            if (done)
                done();
            return;
        }
        m_tabs->setCurrentIndex(i);
        QTimer::singleShot(400, this, [this, dir, done, step, i] {
            for (QCustomPlot* plot : plotsOfTab(i))
                plot->replot(QCustomPlot::rpImmediateRefresh);
            const QString name =
                m_tabs->tabText(i).toLower().remove(QLatin1Char('&')).replace(QLatin1Char(' '), QLatin1Char('-'));
            const QString file = dir + QStringLiteral("/%1-%2.png").arg(i + 1).arg(name);
            grab().save(file);
            appendLog(tr("screenshot %1").arg(file));
            (*step)(i + 1);
        });
    };
    (*step)(0);
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
        openPath(urls.front().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_jobs->cancel();
    QMainWindow::closeEvent(event);
}

} // namespace flatslice::ui
