// SPDX-License-Identifier: GPL-3.0-or-later
#include "workbench.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSettings>

#include <cmath>
#include <utility>

#include "comparisons.h"
#include "compress/plansuggestion.h"
#include "jobs/jobrunner.h"
#include "jobs/openmodeljob.h"
#include "plan/plandocument.h"
#include "recentfiles.h"
#include "resulttext.h"
#include "util/error.h"

namespace flatslice::ui {

namespace {

constexpr const char* kComparePrompt = "The history of the city begins";
const char* kCalibrationKey = "calibrationPath";
const char* kEvaluationKey = "evaluationPath";

bool isSessionPath(const QString& path)
{
    return path.endsWith(QStringLiteral(".h5"), Qt::CaseInsensitive) ||
           path.endsWith(QStringLiteral(".hdf5"), Qt::CaseInsensitive);
}

bool isPlanPath(const QString& path)
{
    return path.endsWith(QStringLiteral(".json"), Qt::CaseInsensitive) &&
           QFileInfo(path).fileName() != QStringLiteral("config.json");
}

bool samePath(const QString& a, const QString& b)
{
    return !a.isEmpty() && QFileInfo(a).absoluteFilePath() == QFileInfo(b).absoluteFilePath();
}

} // namespace

Workbench::Workbench(QObject* parent)
    : QObject(parent), m_jobs(new JobRunner(this)), m_plan(new PlanDocument(this)), m_recent(new RecentFiles(this))
{
    const QSettings settings;
    m_protocol.calibrationPath = settings.value(QLatin1String(kCalibrationKey)).toString().toStdString();
    m_protocol.evaluationPath = settings.value(QLatin1String(kEvaluationKey)).toString().toStdString();

    connect(m_jobs, &JobRunner::logLine, this, &Workbench::logLine);
    // A job that replaces a pending open-model job supersedes it: its continuation must not run later.
    connect(m_jobs, &JobRunner::jobStarted, this, [this](quint64 id) {
        if (m_openJob != 0 && id != m_openJob)
            dropPendingOpen();
    });
    connect(m_jobs, &JobRunner::jobFailed, this, [this](quint64 id, const QString& title, const QString& message) {
        if (id != m_openJob) {
            fail(tr("%1 failed").arg(title), message);
            return;
        }
        m_openJob = 0;
        const AfterOpen then = std::exchange(m_afterOpen, {});
        Q_EMIT statusMessage(tr("Could not open the model"), 0);
        fail(tr("Could not open the model"), message);
        Q_EMIT loadFailed(message);
        if (then)
            then(false);
    });
    connect(m_jobs, &JobRunner::jobCancelled, this, [this](quint64 id, const QString& title) {
        if (id == m_openJob)
            dropPendingOpen();
        Q_EMIT statusMessage(tr("%1 cancelled").arg(title), 8000);
    });
    connect(m_plan, &PlanDocument::planChanged, this, [this] {
        if (!m_measuredComparison)
            refreshEstimatedComparison();
    });
    connect(m_plan, &PlanDocument::editRejected, this,
            [this](const QString& why) { Q_EMIT statusMessage(tr("Plan edit refused: %1").arg(why), 8000); });
}

Workbench::~Workbench() = default;

bool Workbench::isLoading() const
{
    return m_openJob != 0 && m_jobs->currentJob() == m_openJob;
}

void Workbench::setProtocol(const Protocol& protocol)
{
    if (protocol == m_protocol)
        return;
    m_protocol = protocol;
    Q_EMIT protocolChanged();
}

void Workbench::rememberTextPaths() const
{
    QSettings settings;
    settings.setValue(QLatin1String(kCalibrationKey), QString::fromStdString(m_protocol.calibrationPath));
    settings.setValue(QLatin1String(kEvaluationKey), QString::fromStdString(m_protocol.evaluationPath));
}

void Workbench::log(const QString& line)
{
    Q_EMIT logLine(line);
}

void Workbench::fail(const QString& title, const QString& message)
{
    Q_EMIT errorOccurred(title, message);
}

// ---- opening and saving ----------------------------------------------------------------------------------------

void Workbench::openPath(const QString& path)
{
    if (isSessionPath(path))
        openSession(path);
    else if (isPlanPath(path))
        loadPlan(path);
    else
        openModel(path);
}

void Workbench::openModel(const QString& path)
{
    openModelThen(path, {});
}

void Workbench::openModelThen(const QString& path, AfterOpen then)
{
    m_openJob = 0; // an older pending open is superseded with everything that waited for it
    m_afterOpen = std::move(then);
    Q_EMIT statusMessage(tr("Opening %1 ...").arg(path), 0);
    log(tr("opening model %1").arg(path));
    const std::string file = QFileInfo(path).absoluteFilePath().toStdString();
    m_openJob = m_jobs->start(
        tr("Open model"), [file](const JobContext& context) { return readModelSummaryJob(file, context); },
        [this, path](const core::ModelSummary& summary) {
            m_openJob = 0;
            const AfterOpen after = std::exchange(m_afterOpen, {});
            modelOpened(summary, path);
            if (after)
                after(true);
        });
}

void Workbench::dropPendingOpen()
{
    m_openJob = 0;
    m_afterOpen = {};
}

void Workbench::modelOpened(const core::ModelSummary& s, const QString& path)
{
    m_summary = std::make_unique<core::ModelSummary>(s);
    m_modelPath = QFileInfo(path).absoluteFilePath();
    const core::ModelConfig& c = s.config;
    // A session of this model stays; anything else belongs to another model.
    const bool keepSession = m_session && samePath(QString::fromStdString(m_session->model.path), m_modelPath) &&
                             m_session->config.numLayers == c.numLayers;
    if (!keepSession) {
        m_measuredComparison = false;
        m_lastCompression.reset();
        m_measurements.clear();
        if (m_session)
            setSession(nullptr);
        core::ModelFingerprint fingerprint;
        fingerprint.path = m_modelPath.toStdString();
        fingerprint.format = s.format;
        m_plan->setModel(c, fingerprint);
    }
    Q_EMIT statusMessage(tr("%1: %2 layers, %3 parameters. Analyse it on the Architecture tab (Ctrl+R).")
                             .arg(QString::fromStdString(c.architecture))
                             .arg(c.numLayers)
                             .arg(grouped(s.totalParams())),
                         0);
    log(tr("model %1: %2, %3 layers, hidden %4, %5 parameters")
            .arg(m_modelPath, QString::fromStdString(c.architecture))
            .arg(c.numLayers)
            .arg(c.hiddenSize)
            .arg(grouped(s.totalParams())));
    m_recent->add(path);
    Q_EMIT modelLoaded();
}

void Workbench::setSession(std::shared_ptr<const core::AnalysisResult> session)
{
    m_session = std::move(session);
    if (m_session) {
        if (!m_plan->hasModel() || m_plan->config().numLayers != m_session->config.numLayers ||
            m_plan->config().hiddenSize != m_session->config.hiddenSize)
            m_plan->setModel(m_session->config, m_session->model);
        m_plan->setProtocol(m_session->protocol);
        Protocol protocol = m_protocol;
        protocol.calibrationPath = m_session->protocol.corpusPath;
        protocol.samples = m_session->protocol.samples;
        protocol.seqlen = m_session->protocol.seqlen;
        protocol.seed = m_session->protocol.seed;
        setProtocol(protocol);
        log(tr("session: %1 blocks, %2 windows x %3 tokens of %4")
                .arg(m_session->blocks.size())
                .arg(m_session->protocol.samples)
                .arg(m_session->protocol.seqlen)
                .arg(QString::fromStdString(m_session->protocol.corpusPath)));
    }
    if (!m_measuredComparison)
        refreshEstimatedComparison(); // its dense spectrum comes from the session
    Q_EMIT sessionChanged();
}

void Workbench::openSession(const QString& path)
{
    const std::string file = path.toStdString();
    m_jobs->start(
        tr("Open session"), [file](const JobContext& context) { return readSessionJob(file, context); },
        [this, path](const std::shared_ptr<const core::AnalysisResult>& session) {
            m_recent->add(path);
            const auto show = [this, session, path](bool) {
                setSession(session);
                Q_EMIT statusMessage(tr("Session %1 opened").arg(path), 8000);
            };
            const QString model = QString::fromStdString(session->model.path);
            if (!samePath(model, m_modelPath) && QFileInfo::exists(model))
                openModelThen(model, show); // shown even if its model fails to open: the analysis is still useful
            else
                show(true);
        });
}

void Workbench::saveSession(const QString& path)
{
    if (!m_session) {
        fail(tr("No session"), tr("Analyse the model first: there is nothing to save."));
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
        [this, path](bool) { Q_EMIT statusMessage(tr("Session saved to %1").arg(path), 8000); });
}

bool Workbench::loadPlan(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(tr("Could not load the plan"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    const std::string text = file.readAll().toStdString();
    if (m_plan->hasModel())
        return applyPlanText(text, path);
    try {
        // Open the plan's model first; the plan is applied when that job completes.
        const core::Plan plan = core::Plan::fromJson(text, path.toStdString());
        const QString model = QString::fromStdString(plan.model.path);
        if (model.isEmpty() || !QFileInfo::exists(model))
            throw core::Error(path.toStdString() + ": open the model this plan is for first");
        openModelThen(model, [this, text, path](bool opened) {
            if (opened)
                applyPlanText(text, path);
        });
        return true;
    } catch (const core::Error& e) {
        fail(tr("Could not load the plan"), QString::fromStdString(e.what()));
        return false;
    }
}

bool Workbench::applyPlanText(const std::string& text, const QString& path)
{
    try {
        m_plan->loadJson(text, path.toStdString());
    } catch (const core::Error& e) {
        fail(tr("Could not load the plan"), QString::fromStdString(e.what()));
        return false;
    }
    log(tr("plan loaded from %1").arg(path));
    return true;
}

bool Workbench::savePlan(const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        fail(tr("Could not save the plan"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    file.write(QByteArray::fromStdString(m_plan->toJson()));
    if (!file.commit()) {
        fail(tr("Could not save the plan"), tr("%1: %2").arg(path, file.errorString()));
        return false;
    }
    log(tr("plan saved to %1 (re-run headless: flatslice compress MODEL --plan %1 --calib FILE -o OUT)").arg(path));
    Q_EMIT statusMessage(tr("Plan saved to %1").arg(path), 8000);
    return true;
}

bool Workbench::suggestPlan(double blockShare, bool drop)
{
    if (!m_session) {
        fail(tr("No analysis"), tr("Suggesting a plan needs an analysis: analyse the model or open a session."));
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
        fail(tr("Could not suggest a plan"), QString::fromStdString(e.what()));
        return false;
    }
    log(drop ? tr("suggested: drop the %1 blocks with the lowest Block Influence").arg(count)
             : tr("suggested: flatten the %1 most similar adjacent pairs (FlattenGPT greedy)").arg(count));
    return true;
}

// ---- jobs ----------------------------------------------------------------------------------------------------

void Workbench::startAnalysis()
{
    startAnalysis(analysisRequest(m_protocol, {}));
}

void Workbench::startAnalysis(const AnalysisRequest& given)
{
    if (m_modelPath.isEmpty()) {
        fail(tr("No model"), tr("Open a model to analyse."));
        return;
    }
    AnalysisRequest request = given;
    request.modelPath = m_modelPath.toStdString();
    if (request.calibrationPath.empty()) {
        Q_EMIT protocolNeeded();
        fail(tr("No calibration text"),
             tr("Choose a calibration text file in the Analyse panel (e.g. wikitext-2 valid.txt)."));
        return;
    }
    log(tr("analyse %1: %2 windows x %3 tokens of %4, seed %5, %6")
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
            Q_EMIT statusMessage(tr("Analysis done in %1 s: click pairs to flatten, or Suggest in the plan panel")
                                     .arg(session->seconds, 0, 'f', 1),
                                 15000);
            Q_EMIT analysisFinished();
        });
}

core::CompressionJobOptions Workbench::compressionDefaults() const
{
    core::CompressionJobOptions options;
    const QString base = QFileInfo(m_modelPath).completeBaseName();
    options.outputPath = QDir::home().filePath(base + QStringLiteral("-flatslice")).toStdString();
    options.calibrationPath = m_protocol.calibrationPath;
    options.samples = m_protocol.samples;
    options.seqlen = m_protocol.seqlen;
    options.seed = m_protocol.seed;
    options.evalPath = m_protocol.evaluationPath;
    return options;
}

void Workbench::startCompression(core::CompressionJobOptions options)
{
    if (m_modelPath.isEmpty()) {
        fail(tr("No model"), tr("Open a model to compress."));
        return;
    }
    options.modelPath = m_modelPath.toStdString();
    core::Plan plan = m_plan->plan();
    plan.model = m_session ? m_session->model : core::ModelFingerprint{};
    if (m_session)
        plan.protocol = m_session->protocol;
    options.plan = plan;
    options.planSource = "the workbench plan";
    log(tr("compress %1 -> %2 (%3 %4)")
            .arg(m_modelPath, QString::fromStdString(options.outputPath),
                 options.format == core::ExportFormat::Gguf ? QStringLiteral("GGUF") : QStringLiteral("HF"),
                 QString::fromStdString(options.outputType)));
    m_jobs->start(
        tr("Compress and export"), [options](const JobContext& context) { return runCompress(options, context); },
        [this](const core::CompressionJobResult& result) { showCompression(result); });
}

void Workbench::showCompression(const core::CompressionJobResult& result)
{
    m_lastCompression = result;
    const QString text = compressionReport(result, m_plan->plan());
    log(text);
    m_comparison = exportedComparison(result, m_session.get(), m_plan->plan());
    m_measuredComparison = true;
    Q_EMIT comparisonChanged();
    Q_EMIT information(tr("Compressed model written"), text);
    Q_EMIT compressionFinished();
}

void Workbench::startEvaluation()
{
    if (m_protocol.evaluationPath.empty()) {
        Q_EMIT protocolNeeded();
        fail(tr("No evaluation text"), tr("Choose the evaluation text in the Analyse panel (e.g. wiki.test.raw)."));
        return;
    }
    MeasureRequest request;
    request.modelPath = m_modelPath.toStdString();
    request.label = "dense";
    request.evalPath = m_protocol.evaluationPath;
    startMeasure({request}, tr("Evaluate"));
}

void Workbench::startBenchmark()
{
    MeasureRequest request;
    request.modelPath = m_modelPath.toStdString();
    request.label = "dense";
    request.throughput = true;
    startMeasure({request}, tr("Benchmark"));
}

void Workbench::startComparison()
{
    if (!m_lastCompression) {
        fail(tr("Nothing to compare"), tr("Export a compressed model first (File > Export compressed model)."));
        return;
    }
    std::vector<MeasureRequest> requests(2);
    requests[0].modelPath = m_modelPath.toStdString();
    requests[0].label = "dense";
    requests[1].modelPath = m_lastCompression->outputPath;
    requests[1].label = "compressed";
    for (MeasureRequest& r : requests) {
        r.evalPath = m_protocol.evaluationPath;
        r.evalMaxTokens = 4096;
        r.throughput = true;
        r.prompt = kComparePrompt;
    }
    startMeasure(requests, tr("Compare"));
}

void Workbench::startMeasure(const std::vector<MeasureRequest>& requests, const QString& title)
{
    if (m_modelPath.isEmpty()) {
        fail(tr("No model"), tr("Open a model first."));
        return;
    }
    m_jobs->start(
        title,
        [requests](const JobContext& context) {
            std::vector<MeasureResult> results;
            results.reserve(requests.size());
            for (const MeasureRequest& r : requests)
                results.push_back(runMeasure(r, context));
            return results;
        },
        [this](const std::vector<MeasureResult>& results) { showMeasurements(results); });
}

void Workbench::showMeasurements(const std::vector<MeasureResult>& results)
{
    m_measurements = results;
    const QStringList lines = measurementLines(results);
    log(lines.join(QLatin1Char('\n')));
    if (results.size() == 2) {
        m_comparison = measuredComparison(results, QString::fromUtf8(kComparePrompt), m_session.get(), m_plan->plan());
        m_measuredComparison = true;
        Q_EMIT comparisonChanged();
    }
    Q_EMIT statusMessage(lines.join(QStringLiteral(" | ")).left(300), 20000);
    Q_EMIT measurementFinished();
}

void Workbench::refreshEstimatedComparison()
{
    // Until something is measured, the Compare tab shows what the estimator promises.
    const auto& estimate = m_plan->estimate();
    if (estimate)
        m_comparison = estimatedComparison(*estimate, m_session.get(), m_plan->plan());
    else
        m_comparison.reset();
    Q_EMIT comparisonChanged();
}

} // namespace flatslice::ui
