// SPDX-License-Identifier: GPL-3.0-or-later
#include <QAction>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSlider>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <gtest/gtest.h>

#include <cmath>
#include <qcustomplot.h>

#include "analysis/sessionfile.h"
#include "jobs/jobcontext.h"
#include "jobs/jobrunner.h"
#include "jobs/workbenchjobs.h"
#include "plan/plandocument.h"
#include "plan/planpanel.h"
#include "uitestsupport.h"
#include "views/analysepanel.h"
#include "views/architectureview.h"
#include "views/blockstrip.h"
#include "views/compareview.h"
#include "views/importanceview.h"
#include "views/similarityview.h"
#include "views/spectraview.h"
#include "window/mainwindow.h"
#include "workbench/workbench.h"

using flatslice::ui::MainWindow;
using flatslice::ui::Workbench;
using flatslice::uitest::fixture;
using flatslice::uitest::tinyModel;
using Groups = std::vector<std::vector<std::int64_t>>;

namespace {

bool waitForModel(MainWindow& window)
{
    QSignalSpy loaded(window.workbench(), &Workbench::modelLoaded);
    return loaded.wait(10000);
}

// One analysis of the tiny model for the whole suite, and its session file.
class WithSession : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        s_dir = new QTemporaryDir;
        flatslice::ui::AnalysisRequest request;
        request.modelPath = tinyModel().toStdString();
        request.calibrationPath = flatslice::uitest::writeCalibrationText(*s_dir).toStdString();
        request.samples = 4;
        request.seqlen = 32;
        request.threads = 1;
        const flatslice::ui::JobContext context(std::make_shared<flatslice::ui::JobState>());
        s_session = flatslice::ui::runAnalysis(request, context);
        s_sessionPath = new QString(s_dir->filePath(QStringLiteral("tiny.flatslice.h5")));
        flatslice::core::writeSession(s_sessionPath->toStdString(), *s_session);
    }
    static void TearDownTestSuite()
    {
        s_session.reset();
        delete s_sessionPath;
        delete s_dir;
    }

    // A shown window with the tiny model and its session open.
    void openSession(MainWindow& window)
    {
        window.resize(1300, 850);
        window.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
        QSignalSpy changed(window.workbench(), &Workbench::sessionChanged);
        QSignalSpy loaded(window.workbench(), &Workbench::modelLoaded);
        window.workbench()->openPath(*s_sessionPath);
        ASSERT_TRUE(changed.wait(10000));
        ASSERT_TRUE(loaded.count() > 0 || loaded.wait(10000)) << "the session's model opens too";
    }

    static inline QTemporaryDir* s_dir = nullptr;
    static inline QString* s_sessionPath = nullptr;
    static inline std::shared_ptr<const flatslice::core::AnalysisResult> s_session;
};

} // namespace

TEST(MainWindow, OpensAGgufModelInTheBackgroundAndShowsItsShape)
{
    MainWindow window;
    window.show();
    QSignalSpy loaded(window.workbench(), &Workbench::modelLoaded);
    window.workbench()->openModel(tinyModel());
    EXPECT_TRUE(window.workbench()->isLoading());
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_FALSE(window.workbench()->isLoading());
    ASSERT_NE(window.workbench()->summary(), nullptr);
    EXPECT_EQ(window.workbench()->summary()->config.numLayers, 2);
    EXPECT_EQ(window.workbench()->summary()->config.numKvHeads, 2);
    EXPECT_GT(window.architectureView()->table()->rowCount(), 10);
    const auto plots = window.architectureView()->plots();
    ASSERT_EQ(plots.size(), 2);
    for (QCustomPlot* plot : plots)
        EXPECT_GT(plot->plottableCount(), 0);
    EXPECT_TRUE(window.workbench()->planDocument()->hasModel()) << "the plan can be edited before any analysis";
    EXPECT_EQ(window.workbench()->planDocument()->estimate()->dense.layers, 2);
}

TEST(MainWindow, ABadFileReportsAnErrorAndLeavesTheWindowUsable)
{
    MainWindow window;
    window.show();
    QSignalSpy failed(window.workbench(), &Workbench::loadFailed);
    QSignalSpy errors(&window, &MainWindow::errorShown);
    window.workbench()->openModel(fixture("no-such-model.gguf"));
    ASSERT_TRUE(failed.wait(10000));
    EXPECT_TRUE(failed.front().front().toString().contains(QStringLiteral("no-such-model.gguf")));
    EXPECT_EQ(errors.count(), 1);
    EXPECT_EQ(window.workbench()->summary(), nullptr);

    QSignalSpy loaded(window.workbench(), &Workbench::modelLoaded);
    window.workbench()->openModel(tinyModel());
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_NE(window.workbench()->summary(), nullptr);
}

TEST(MainWindow, ACorruptModelFileShowsOneMessageBoxAndTheWindowStaysUsable)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("corrupt.gguf"));
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("GGUF\x03\x00\x00\x00 this is not a model", 32);
    file.close();
    MainWindow window;
    window.show();
    QSignalSpy errors(&window, &MainWindow::errorShown);
    window.workbench()->openPath(path);
    ASSERT_TRUE(errors.wait(10000));
    const auto boxes = window.findChildren<QMessageBox*>();
    ASSERT_EQ(boxes.size(), 1);
    EXPECT_TRUE(boxes.front()->isVisible());
    EXPECT_TRUE(boxes.front()->text().contains(QStringLiteral("corrupt.gguf")));
    EXPECT_TRUE(window.isEnabled());
    window.workbench()->openPath(tinyModel());
    EXPECT_TRUE(waitForModel(window));
}

TEST(MainWindow, ANewerOpenSupersedesAnOlderOne)
{
    MainWindow window;
    QSignalSpy loaded(window.workbench(), &Workbench::modelLoaded);
    QSignalSpy failed(window.workbench(), &Workbench::loadFailed);
    window.workbench()->openModel(fixture("no-such-model.gguf"));
    window.workbench()->openModel(tinyModel());
    ASSERT_TRUE(loaded.wait(10000));
    QTest::qWait(200);
    EXPECT_EQ(failed.count(), 0) << "the stale failure must be dropped";
    EXPECT_EQ(loaded.count(), 1);
}

TEST(MainWindow, AnalysingFromTheAnalysePanelShowsTheSessionEverywhere)
{
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    window.workbench()->openModel(tinyModel());
    ASSERT_TRUE(waitForModel(window));
    flatslice::ui::Protocol protocol = window.workbench()->protocol();
    protocol.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
    protocol.samples = 3;
    protocol.seqlen = 32;
    protocol.threads = 1;
    window.workbench()->setProtocol(protocol);
    QSignalSpy done(window.workbench(), &Workbench::analysisFinished);
    window.workbench()->startAnalysis();
    EXPECT_TRUE(window.workbench()->jobRunner()->isBusy());
    ASSERT_TRUE(done.wait(60000));
    ASSERT_NE(window.workbench()->session(), nullptr);
    EXPECT_EQ(window.workbench()->session()->protocol.samples, 3);
    EXPECT_EQ(window.workbench()->session()->protocol.seqlen, 32);
    EXPECT_TRUE(window.logText().contains(QStringLiteral("heartbeat")));
    // The analysis ran on a worker: the GUI's worst gap over the job stayed far below a stall. (This job may be
    // shorter than one heartbeat period; TheGuiKeepsItsHeartbeatWhileARealAnalysisRuns checks the ticks.)
    EXPECT_LT(window.workbench()->jobRunner()->worstStallMs(), 2000.0);
}

TEST(MainWindow, TheGuiKeepsItsHeartbeatWhileARealAnalysisRuns)
{
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    Workbench* workbench = window.workbench();
    workbench->openModel(tinyModel());
    ASSERT_TRUE(waitForModel(window));
    flatslice::ui::AnalysisRequest request = flatslice::ui::analysisRequest(workbench->protocol(), {});
    request.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
    request.samples = 4000; // far longer than the test watches
    request.seqlen = 64;
    request.threads = 1;
    QSignalSpy cancelled(workbench->jobRunner(), &flatslice::ui::JobRunner::jobCancelled);
    workbench->startAnalysis(request);
    QTest::qWait(500);
    ASSERT_TRUE(workbench->jobRunner()->isBusy());
    // 10 ms nominal: about 50 ticks in half a second; a GUI thread blocked by the job would see none.
    EXPECT_GE(workbench->jobRunner()->heartbeatTicks(), 10);
    EXPECT_LT(workbench->jobRunner()->worstStallMs(), 2000.0);
    workbench->jobRunner()->cancel();
    ASSERT_TRUE(cancelled.wait(20000));
}

TEST_F(WithSession, OpeningASessionFileShowsItsAnalysisAndItsModel)
{
    MainWindow window;
    openSession(window);
    ASSERT_NE(window.workbench()->session(), nullptr);
    EXPECT_EQ(window.workbench()->session()->blocks.size(), 2u);
    EXPECT_EQ(window.workbench()->modelPath(), QFileInfo(tinyModel()).absoluteFilePath());
    EXPECT_FALSE(std::isnan(window.blockStrip()->metricValue(0)));
    EXPECT_EQ(window.workbench()->protocol().samples, 4) << "the session's protocol is the protocol";
    EXPECT_EQ(window.analysePanel()->protocol().samples, 4) << "the session's protocol is shown";
}

TEST_F(WithSession, EveryViewRendersNonEmptyPlots)
{
    MainWindow window;
    openSession(window);
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
        window.tabs()->setCurrentIndex(tab);
        QTest::qWait(50);
        const auto plots = window.plotsOfTab(tab);
        ASSERT_FALSE(plots.isEmpty()) << window.tabs()->tabText(tab).toStdString();
        int drawn = 0;
        for (QCustomPlot* plot : plots)
            drawn += plot->plottableCount() > 0 ? 1 : 0;
        EXPECT_GT(drawn, 0) << window.tabs()->tabText(tab).toStdString();
        if (window.tabs()->widget(tab) != window.compareView()) { // Compare's overlays need measurements
            EXPECT_EQ(drawn, plots.size()) << window.tabs()->tabText(tab).toStdString();
        }
    }
}

TEST_F(WithSession, ClickingAnAdjacentHeatmapCellAddsThePairToThePlan)
{
    MainWindow window;
    openSession(window);
    window.tabs()->setCurrentWidget(window.similarityView());
    QTest::qWait(100);
    QCustomPlot* heatmap = window.similarityView()->plots().at(1);
    heatmap->replot();
    const QPointF centre = window.similarityView()->heatmapGeometry().centreOf({0, 1});
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, centre.toPoint());
    EXPECT_EQ(window.workbench()->planDocument()->plan().flatten, (Groups{{0, 1}}));
    window.workbench()->planDocument()->undoStack()->undo();
    EXPECT_TRUE(window.workbench()->planDocument()->plan().flatten.empty());
}

TEST_F(WithSession, TheSliceSliderChangesTheEstimateAndUndoRestoresIt)
{
    MainWindow window;
    openSession(window);
    const QString before = window.planPanel()->estimateLabel()->text();
    const auto params = window.workbench()->planDocument()->estimate()->compressed.params.total();
    window.planPanel()->sliceSlider()->setValue(25);
    EXPECT_NE(window.planPanel()->estimateLabel()->text(), before);
    EXPECT_LT(window.workbench()->planDocument()->estimate()->compressed.params.total(), params);
    QAction* undo = nullptr;
    for (QAction* a : window.findChildren<QAction*>())
        if (a->shortcut() == QKeySequence(QKeySequence::Undo))
            undo = a;
    ASSERT_NE(undo, nullptr);
    undo->trigger();
    EXPECT_EQ(window.planPanel()->estimateLabel()->text(), before);
    EXPECT_EQ(window.workbench()->planDocument()->estimate()->compressed.params.total(), params);
    EXPECT_EQ(window.planPanel()->sliceSlider()->value(), 0);
}

TEST_F(WithSession, TheBlockStripTogglesPairsOnGapsAndDropsOnCtrlClick)
{
    MainWindow window;
    openSession(window);
    auto* strip = window.blockStrip();
    const auto geometry = strip->geometry();
    QTest::mouseClick(strip, Qt::LeftButton, {},
                      QPoint(static_cast<int>(geometry.area.center().x()), static_cast<int>(geometry.gapCentre(0))));
    EXPECT_EQ(window.workbench()->planDocument()->plan().flatten, (Groups{{0, 1}}));
    QTest::mouseClick(strip, Qt::LeftButton, Qt::ControlModifier, geometry.cellRect(1).center().toPoint());
    EXPECT_TRUE(window.workbench()->planDocument()->plan().flatten.empty());
    EXPECT_EQ(window.workbench()->planDocument()->plan().drop, (std::vector<std::int64_t>{1}));
}

TEST_F(WithSession, SuggestSavedPlanAndABadPlanFile)
{
    QTemporaryDir dir;
    MainWindow window;
    openSession(window);
    ASSERT_TRUE(window.workbench()->suggestPlan(0.5, false));
    EXPECT_EQ(window.workbench()->planDocument()->plan().flatten, (Groups{{0, 1}}));
    const QString planPath = dir.filePath(QStringLiteral("tiny.plan.json"));
    ASSERT_TRUE(window.workbench()->savePlan(planPath));
    window.workbench()->planDocument()->undoStack()->undo();
    ASSERT_TRUE(window.workbench()->loadPlan(planPath));
    EXPECT_EQ(window.workbench()->planDocument()->plan().flatten, (Groups{{0, 1}}));

    const QString badPath = dir.filePath(QStringLiteral("bad.plan.json"));
    QFile bad(badPath);
    ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
    bad.write(R"({"format": "flatslice-plan", "version": 1, "flatten": [[1, 5]]})");
    bad.close();
    QSignalSpy errors(&window, &MainWindow::errorShown);
    EXPECT_FALSE(window.workbench()->loadPlan(badPath));
    ASSERT_EQ(errors.count(), 1);
    EXPECT_TRUE(errors.front().at(1).toString().contains(QStringLiteral("bad.plan.json")));
    EXPECT_EQ(window.workbench()->planDocument()->plan().flatten, (Groups{{0, 1}})) << "the plan is kept";
    window.workbench()->planDocument()->toggleFlattenPair(0);
    EXPECT_TRUE(window.workbench()->planDocument()->plan().flatten.empty()) << "the window stays usable";
}

TEST_F(WithSession, ExportsTheCurrentViewsPlots)
{
    QTemporaryDir dir;
    MainWindow window;
    openSession(window);
    window.tabs()->setCurrentWidget(window.similarityView());
    const QString path = dir.filePath(QStringLiteral("similarity.png"));
    ASSERT_TRUE(window.exportCurrentPlots(path));
    EXPECT_GT(QFileInfo(path).size(), 1000);
    EXPECT_TRUE(QFileInfo::exists(dir.filePath(QStringLiteral("similarity-2.png"))));
    EXPECT_TRUE(window.exportCurrentPlots(dir.filePath(QStringLiteral("similarity.pdf"))));
}

TEST_F(WithSession, CancellingAnAnalysisFromTheWindowKeepsTheOldSession)
{
    QTemporaryDir dir;
    MainWindow window;
    openSession(window);
    const auto before = window.workbench()->session();
    flatslice::ui::AnalysisRequest request = flatslice::ui::analysisRequest(window.workbench()->protocol(), {});
    request.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
    request.samples = 4000;
    request.seqlen = 64;
    request.threads = 1;
    QSignalSpy progress(window.workbench()->jobRunner(), &flatslice::ui::JobRunner::progressChanged);
    QSignalSpy cancelled(window.workbench()->jobRunner(), &flatslice::ui::JobRunner::jobCancelled);
    window.workbench()->startAnalysis(request);
    ASSERT_TRUE(progress.wait(20000));
    window.workbench()->jobRunner()->cancel();
    ASSERT_TRUE(cancelled.wait(20000));
    EXPECT_EQ(window.workbench()->session(), before);
    EXPECT_FALSE(window.workbench()->jobRunner()->isBusy());
}

TEST_F(WithSession, CompressingThePlanExportsASelfCheckedModelInEitherFormat)
{
    QTemporaryDir dir;
    MainWindow window;
    openSession(window);
    window.workbench()->planDocument()->toggleFlattenPair(0);
    for (const auto format : {flatslice::core::ExportFormat::HuggingFace, flatslice::core::ExportFormat::Gguf}) {
        flatslice::core::CompressionJobOptions options;
        const bool gguf = format == flatslice::core::ExportFormat::Gguf;
        options.outputPath =
            dir.filePath(gguf ? QStringLiteral("tiny-flat.gguf") : QStringLiteral("tiny-flat")).toStdString();
        options.format = format;
        options.outputType = gguf ? "f16" : "f32";
        options.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
        options.samples = 2;
        options.seqlen = 32;
        options.runtime.threads = 1;
        QSignalSpy done(window.workbench(), &Workbench::compressionFinished);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.workbench()->startCompression(options);
        ASSERT_TRUE(QTest::qWaitFor([&] { return !done.isEmpty() || !errors.isEmpty(); }, 120000));
        ASSERT_EQ(done.count(), 1) << errors.front().at(1).toString().toStdString();
        ASSERT_TRUE(window.workbench()->lastCompression().has_value());
        const auto& r = *window.workbench()->lastCompression();
        EXPECT_EQ(r.report.layersAfter, 1);
        EXPECT_GT(r.selfCheckInMemory, 0.0);
        EXPECT_NEAR(r.selfCheckReloaded, r.selfCheckInMemory, r.selfCheckInMemory * (gguf ? 1e-2 : 1e-4));
        EXPECT_TRUE(QFileInfo::exists(QString::fromStdString(r.outputPath)));
        EXPECT_TRUE(window.logText().contains(QStringLiteral("Self-check")));
    }
}

TEST_F(WithSession, TheSpectraKeepLineSetsTheSliceWidthThroughThePlanDocument)
{
    MainWindow window;
    openSession(window);
    Q_EMIT window.spectraView()->sliceWidthRequested(-1, 48);
    ASSERT_TRUE(window.workbench()->planDocument()->plan().slice.has_value());
    EXPECT_EQ(window.workbench()->planDocument()->estimate()->widths.layers.at(0).in, 48);
    Q_EMIT window.spectraView()->sliceWidthRequested(1, 32);
    EXPECT_EQ(window.workbench()->planDocument()->estimate()->widths.layers.at(1).in, 32);
    window.workbench()->planDocument()->undoStack()->undo();
    window.workbench()->planDocument()->undoStack()->undo();
    EXPECT_FALSE(window.workbench()->planDocument()->plan().slice.has_value());
}

TEST_F(WithSession, OpeningAPlanFileOpensItsModelFirst)
{
    QTemporaryDir dir;
    const QString planPath = dir.filePath(QStringLiteral("tiny.plan.json"));
    {
        MainWindow writer;
        openSession(writer);
        writer.workbench()->planDocument()->toggleDrop(1);
        ASSERT_TRUE(writer.workbench()->savePlan(planPath));
    }
    MainWindow window;
    QSignalSpy loaded(window.workbench(), &Workbench::modelLoaded);
    window.workbench()->openPath(planPath);
    ASSERT_TRUE(loaded.wait(10000));
    QTest::qWait(50);
    EXPECT_EQ(window.workbench()->planDocument()->plan().drop, (std::vector<std::int64_t>{1}));
}
