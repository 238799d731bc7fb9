// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's controller: everything the window shows, and every job that changes it, without a widget.
//
// Owns the open model's summary, the session (AnalysisResult), the PlanDocument, the calibration/evaluation
// Protocol, the run history (the last export and the last measurements, and from them what the Compare tab shows)
// and the recent files. Every slow step is a job on its JobRunner, opening a model included, so one job runs at a
// time and a newer one supersedes an older one (its result is dropped). Results come back as signals; the window
// (or a test, or the screenshot driver) connects them to views. Failures are one errorOccurred() each.
//
// Opening is ordered so nothing undoes it: a session whose model is not open opens the model first and shows the
// session on that job's completion (the new model's summary cannot clear it); a plan whose model is not open opens
// the model, then applies the plan text it already read. openPath() dispatches on the file: a session (*.h5,
// *.hdf5), a plan (*.json other than config.json), otherwise a model (Hugging Face directory or .gguf).
// GUI thread only.
#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "analysis/analysisresult.h"
#include "jobs/compressionjob.h"
#include "jobs/workbenchjobs.h"
#include "model/modelsummary.h"
#include "protocol.h"
#include "views/comparisondata.h"

namespace flatslice::ui {

class JobRunner;
class PlanDocument;
class RecentFiles;

class Workbench : public QObject {
    Q_OBJECT
public:
    explicit Workbench(QObject* parent = nullptr);
    ~Workbench() override;

    // Opening and saving. loadPlan/savePlan/suggestPlan return false after errorOccurred().
    void openPath(const QString& path);
    void openModel(const QString& path);
    void openSession(const QString& path);
    void saveSession(const QString& path);
    bool loadPlan(const QString& path);
    bool savePlan(const QString& path);
    // Replaces the plan by a suggestion from the session: `blockShare` of the blocks, as flatten pairs or drops.
    bool suggestPlan(double blockShare, bool drop);

    // Jobs. The analysis runs on protocol() unless a request is given; export, evaluate and compare read their
    // texts from protocol() too.
    void startAnalysis();
    void startAnalysis(const AnalysisRequest& given);
    void startCompression(core::CompressionJobOptions options);
    // What an export of the current plan starts from: output beside the home directory, the protocol's texts.
    core::CompressionJobOptions compressionDefaults() const;
    void startEvaluation();
    void startBenchmark();
    // Measures the dense model and the last export the same way (perplexity, speed, a sample).
    void startComparison();

    // Shows an analysis (null clears it): the plan follows its model and the protocol its calibration.
    void setSession(std::shared_ptr<const core::AnalysisResult> session);

    const Protocol& protocol() const { return m_protocol; }
    // Replaces the protocol; protocolChanged() when it differs.
    void setProtocol(const Protocol& protocol);
    // Remembers the protocol's two text paths for the next start (a person chose them).
    void rememberTextPaths() const;

    // True while an open-model job is the current job.
    bool isLoading() const;
    const core::ModelSummary* summary() const { return m_summary.get(); }
    const std::shared_ptr<const core::AnalysisResult>& session() const { return m_session; }
    QString modelPath() const { return m_modelPath; }
    JobRunner* jobRunner() const { return m_jobs; }
    PlanDocument* planDocument() const { return m_plan; }
    RecentFiles* recentFiles() const { return m_recent; }
    const std::optional<core::CompressionJobResult>& lastCompression() const { return m_lastCompression; }
    const std::vector<MeasureResult>& lastMeasurements() const { return m_measurements; }
    // What the Compare tab shows; empty without a model.
    const std::optional<ComparisonData>& comparison() const { return m_comparison; }

Q_SIGNALS:
    void modelLoaded();
    void loadFailed(const QString& message);
    void sessionChanged();
    void analysisFinished();
    void compressionFinished();
    void measurementFinished();
    void comparisonChanged();
    void protocolChanged();
    // A job needs a text the protocol lacks (the window shows the Analyse panel).
    void protocolNeeded();
    void logLine(const QString& line);
    // For the status line; timeoutMs 0 keeps it until the next message.
    void statusMessage(const QString& text, int timeoutMs);
    void errorOccurred(const QString& title, const QString& message);
    // A result worth a (non-modal) box.
    void information(const QString& title, const QString& text);

private:
    using AfterOpen = std::function<void(bool opened)>;
    // Starts the open-model job; `then` runs once it succeeded or failed (not when superseded or cancelled).
    void openModelThen(const QString& path, AfterOpen then);
    void modelOpened(const core::ModelSummary& summary, const QString& path);
    void dropPendingOpen();
    bool applyPlanText(const std::string& text, const QString& path);
    void startMeasure(const std::vector<MeasureRequest>& requests, const QString& title);
    void showCompression(const core::CompressionJobResult& result);
    void showMeasurements(const std::vector<MeasureResult>& results);
    void refreshEstimatedComparison();
    void fail(const QString& title, const QString& message);
    void log(const QString& line);

    JobRunner* m_jobs = nullptr;
    PlanDocument* m_plan = nullptr;
    RecentFiles* m_recent = nullptr;
    Protocol m_protocol;
    std::unique_ptr<core::ModelSummary> m_summary;
    std::shared_ptr<const core::AnalysisResult> m_session;
    QString m_modelPath;
    quint64 m_openJob = 0; // the open-model job whose completion runs m_afterOpen; 0 when none is pending
    AfterOpen m_afterOpen;
    std::optional<core::CompressionJobResult> m_lastCompression;
    std::vector<MeasureResult> m_measurements;
    std::optional<ComparisonData> m_comparison;
    bool m_measuredComparison = false; // the comparison is measured (or exported), not the plan's estimate
};

} // namespace flatslice::ui
