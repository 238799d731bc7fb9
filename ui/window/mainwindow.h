// The workbench window. Left dock: the BlockStrip (blocks coloured by a redundancy metric, the plan drawn over
// them). Centre tabs: Architecture (the model's shape and the Analyse panel), Similarity, Spectra, Importance,
// Compare. Right dock: the PlanPanel. Bottom: the log dock, and in the status bar the job's message, progress
// with ETA and a Cancel button.
//
// Everything slow runs as a JobRunner job (analyse, compress+export, evaluate, benchmark, compare, session read
// and write); the window stays usable and a failure is one non-modal message box. Model summaries load on their
// own worker thread as before (a newer open supersedes an older one). All plan edits go through one PlanDocument
// (undo/redo in the Edit menu); views and strip redraw from its planChanged().
//
// openPath() dispatches on what it is given: a session (*.flatslice.h5 / *.h5), a plan (*.json: its model is
// opened first when the plan names one and no model is open), otherwise a model (HF directory or .gguf).
// GUI thread only.
#pragma once

#include <QMainWindow>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

#include "analysis/analysisresult.h"
#include "compress/compressionjob.h"
#include "model/modelsummary.h"
#include "jobs/workbenchjobs.h"

class QAction;
class QComboBox;
class QCustomPlot;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;
class QToolButton;

namespace flatslice::ui {

class AnalysePanel;
class ArchitectureView;
class BlockStrip;
class CompareView;
class ImportanceView;
class JobRunner;
class PlanDocument;
class PlanPanel;
class SimilarityView;
class SpectraView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // A model, a session or a plan (see the header comment).
    void openPath(const QString& path);
    // Starts loading PATH (a Hugging Face directory or .gguf) in the background.
    void openModel(const QString& path);
    // Reads a session file as a job; sessionChanged() when it is shown.
    void openSession(const QString& path);
    void saveSession(const QString& path);
    // Plan JSON. Return false (after showing why) when the file cannot be read or does not fit the model.
    bool loadPlan(const QString& path);
    bool savePlan(const QString& path);
    // Replaces the plan by a suggestion from the session: `blockShare` of the blocks, as flatten pairs or drops.
    bool suggestPlan(double blockShare, bool drop);

    // Jobs. The analysis uses the Analyse panel's protocol unless one is given.
    void startAnalysis();
    void startAnalysis(const AnalysisRequest& request);
    void startCompression(core::CompressionJobOptions options);
    void startEvaluation();
    void startBenchmark();
    // Measures the dense model and the last export the same way (perplexity, speed, a sample): the Compare tab.
    void startComparison();

    // Shows an analysis (from a job or a file) in the strip, the views and the plan panel.
    void setSession(std::shared_ptr<const core::AnalysisResult> session);

    // Writes one PNG per tab into `dir`, one tab per event-loop turn, then calls `done`.
    void saveScreenshots(const QString& dir, std::function<void()> done = {});
    // Saves the current tab's plots (PNG, PDF or SVG by extension; several plots get -2, -3 ... suffixes).
    bool exportCurrentPlots(const QString& path);

    bool isLoading() const { return m_loading; }
    const core::ModelSummary* summary() const { return m_summary.get(); }
    const std::shared_ptr<const core::AnalysisResult>& session() const { return m_session; }
    QString modelPath() const { return m_modelPath; }
    JobRunner* jobRunner() const { return m_jobs; }
    PlanDocument* planDocument() const { return m_plan; }
    PlanPanel* planPanel() const { return m_planPanel; }
    BlockStrip* blockStrip() const { return m_strip; }
    ArchitectureView* architectureView() const { return m_architecture; }
    AnalysePanel* analysePanel() const;
    QTabWidget* tabs() const { return m_tabs; }
    SimilarityView* similarityView() const { return m_similarity; }
    SpectraView* spectraView() const { return m_spectra; }
    ImportanceView* importanceView() const { return m_importance; }
    CompareView* compareView() const { return m_compareView; }
    // The plots of tab `index` (empty for a placeholder).
    QList<QCustomPlot*> plotsOfTab(int index) const;
    const std::optional<core::CompressionJobResult>& lastCompression() const { return m_lastCompression; }
    QString logText() const;

Q_SIGNALS:
    void modelLoaded();
    void loadFailed(const QString& message);
    void sessionChanged();
    void analysisFinished();
    void compressionFinished();
    void measurementFinished();
    // Every error shown to the user (a message box), for tests and the screenshot driver.
    void errorShown(const QString& title, const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildDocks();
    void buildStatusBar();
    void showSummary(const core::ModelSummary& summary);
    void showError(const QString& title, const QString& message);
    void appendLog(const QString& line);
    void addRecent(const QString& path);
    void rebuildRecentMenu();
    void updateActions();
    void planChanged();
    void showCompression(const core::CompressionJobResult& result);
    void showMeasurements(const std::vector<MeasureResult>& results);
    void showEstimateComparison();
    void startMeasure(std::vector<MeasureRequest> requests, const QString& title);
    QString evaluationPath() const;

    QTabWidget* m_tabs = nullptr;
    ArchitectureView* m_architecture = nullptr;
    SimilarityView* m_similarity = nullptr;
    SpectraView* m_spectra = nullptr;
    ImportanceView* m_importance = nullptr;
    CompareView* m_compareView = nullptr;
    bool m_measuredComparison = false; // the Compare tab shows measurements, not the plan's estimate
    BlockStrip* m_strip = nullptr;
    QComboBox* m_metric = nullptr;
    PlanPanel* m_planPanel = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QLabel* m_jobLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QToolButton* m_cancel = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QList<QAction*> m_needModel;
    QList<QAction*> m_needSession;
    QAction* m_cancelAction = nullptr;

    JobRunner* m_jobs = nullptr;
    PlanDocument* m_plan = nullptr;
    std::unique_ptr<core::ModelSummary> m_summary;
    std::shared_ptr<const core::AnalysisResult> m_session;
    QString m_modelPath;
    QString m_pendingPlan; // a plan to load once its model is open
    std::optional<core::CompressionJobResult> m_lastCompression;
    bool m_loading = false;
    quint64 m_generation = 0; // drops results of model loads that were superseded
};

} // namespace flatslice::ui
