// SPDX-License-Identifier: GPL-3.0-or-later
// The Workbench controller without a window (its signals are the contract), and the ScreenshotDriver on a window.
#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>

#include "analysis/sessionfile.h"
#include "jobs/jobcontext.h"
#include "jobs/jobrunner.h"
#include "plan/plandocument.h"
#include "uitestsupport.h"
#include "window/mainwindow.h"
#include "workbench/screenshotdriver.h"
#include "workbench/workbench.h"

using flatslice::ui::Workbench;
using flatslice::uitest::fixture;
using flatslice::uitest::tinyModel;

namespace {

// A session of the tiny model written to `dir` (a small real analysis).
QString writeTinySession(const QTemporaryDir& dir)
{
    flatslice::ui::AnalysisRequest request;
    request.modelPath = QFileInfo(tinyModel()).absoluteFilePath().toStdString();
    request.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
    request.samples = 2;
    request.seqlen = 32;
    request.threads = 1;
    const flatslice::ui::JobContext context(std::make_shared<flatslice::ui::JobState>());
    const auto session = flatslice::ui::runAnalysis(request, context);
    QString path = dir.filePath(QStringLiteral("tiny.flatslice.h5"));
    flatslice::core::writeSession(path.toStdString(), *session);
    return path;
}

} // namespace

TEST(Workbench, OpeningAModelIsAJobOfTheRunner)
{
    Workbench workbench;
    QSignalSpy started(workbench.jobRunner(), &flatslice::ui::JobRunner::jobStarted);
    QSignalSpy loaded(&workbench, &Workbench::modelLoaded);
    workbench.openModel(tinyModel());
    EXPECT_TRUE(workbench.isLoading());
    EXPECT_TRUE(workbench.jobRunner()->isBusy());
    ASSERT_EQ(started.count(), 1);
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_FALSE(workbench.isLoading());
    ASSERT_NE(workbench.summary(), nullptr);
    EXPECT_EQ(workbench.modelPath(), QFileInfo(tinyModel()).absoluteFilePath());
}

TEST(Workbench, ASessionOfAnotherModelIsShownAfterItsModelOpensAndStays)
{
    QTemporaryDir dir;
    const QString sessionPath = writeTinySession(dir);
    Workbench workbench;
    QSignalSpy loaded(&workbench, &Workbench::modelLoaded);
    workbench.openModel(fixture("families/qwen2"));
    ASSERT_TRUE(loaded.wait(10000));
    ASSERT_NE(workbench.summary(), nullptr);

    QSignalSpy changed(&workbench, &Workbench::sessionChanged);
    workbench.openPath(sessionPath);
    ASSERT_TRUE(QTest::qWaitFor([&] { return workbench.session() != nullptr; }, 10000));
    EXPECT_EQ(loaded.count(), 2) << "the session's model opened before the session was shown";
    EXPECT_EQ(workbench.modelPath(), QFileInfo(tinyModel()).absoluteFilePath());
    QTest::qWait(200);
    ASSERT_NE(workbench.session(), nullptr) << "nothing cleared the session after it was shown";
    EXPECT_EQ(workbench.session()->blocks.size(), 2u);
    EXPECT_EQ(workbench.protocol().samples, 2) << "the session's protocol is the workbench's";
    EXPECT_FALSE(workbench.jobRunner()->isBusy());
}

TEST(Workbench, APlanWhoseModelIsNotOpenIsAppliedWhenThatModelHasOpened)
{
    QTemporaryDir dir;
    const QString planPath = dir.filePath(QStringLiteral("tiny.plan.json"));
    {
        Workbench writer;
        QSignalSpy loaded(&writer, &Workbench::modelLoaded);
        writer.openModel(tinyModel());
        ASSERT_TRUE(loaded.wait(10000));
        writer.planDocument()->toggleFlattenPair(0);
        ASSERT_TRUE(writer.savePlan(planPath));
    }
    Workbench workbench;
    QSignalSpy loaded(&workbench, &Workbench::modelLoaded);
    QSignalSpy errors(&workbench, &Workbench::errorOccurred);
    ASSERT_TRUE(workbench.loadPlan(planPath));
    EXPECT_TRUE(workbench.isLoading());
    ASSERT_TRUE(loaded.wait(10000));
    // Applied on the open job's completion, in the same turn: nothing is left pending.
    EXPECT_EQ(workbench.planDocument()->plan().flatten, (std::vector<std::vector<std::int64_t>>{{0, 1}}));
    EXPECT_EQ(errors.count(), 0);
}

TEST(Workbench, AnotherJobSupersedesAPendingOpenAndItsContinuation)
{
    QTemporaryDir dir;
    const QString sessionPath = writeTinySession(dir);
    Workbench workbench;
    QSignalSpy loaded(&workbench, &Workbench::modelLoaded);
    workbench.openModel(fixture("families/qwen2"));
    ASSERT_TRUE(loaded.wait(10000));
    workbench.openPath(sessionPath);
    // As soon as the session is read its model starts opening; a newer open replaces that job.
    ASSERT_TRUE(QTest::qWaitFor([&] { return workbench.isLoading(); }, 10000));
    workbench.openModel(fixture("families/qwen2"));
    ASSERT_TRUE(QTest::qWaitFor([&] { return !workbench.jobRunner()->isBusy(); }, 10000));
    QTest::qWait(200);
    EXPECT_EQ(workbench.session(), nullptr) << "the superseded open's session must not appear";
    EXPECT_EQ(workbench.modelPath(), QFileInfo(fixture("families/qwen2")).absoluteFilePath());
}

TEST(ScreenshotDriver, SavesOnePngPerTabOnceTheModelIsOpenThenFinishesWithZero)
{
    QTemporaryDir dir;
    flatslice::ui::MainWindow window;
    window.resize(1200, 800);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    flatslice::ui::ScreenshotDriver::Options options;
    options.screenshotDir = dir.filePath(QStringLiteral("shots"));
    flatslice::ui::ScreenshotDriver driver(&window, options);
    QSignalSpy finished(&driver, &flatslice::ui::ScreenshotDriver::finished);
    window.workbench()->openPath(tinyModel());
    ASSERT_TRUE(finished.wait(20000));
    EXPECT_EQ(finished.front().front().toInt(), 0);
    const QStringList shots = QDir(options.screenshotDir).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name);
    EXPECT_EQ(shots, (QStringList{QStringLiteral("1-architecture.png"), QStringLiteral("2-similarity.png"),
                                  QStringLiteral("3-spectra.png"), QStringLiteral("4-importance.png"),
                                  QStringLiteral("5-compare.png")}));
}
