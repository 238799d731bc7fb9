// SPDX-License-Identifier: GPL-3.0-or-later
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "jobs/jobrunner.h"
#include "jobs/workbenchjobs.h"
#include "uitestsupport.h"
#include "util/error.h"

using flatslice::ui::AnalysisRequest;
using flatslice::ui::JobContext;
using flatslice::ui::JobRunner;

TEST(JobRunner, DeliversTheResultOnTheGuiThread)
{
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::jobFinished);
    int delivered = 0;
    Qt::HANDLE deliveredOn = nullptr;
    runner.start(
        QStringLiteral("answer"), [](const JobContext&) { return 42; },
        [&](const int& value) {
            delivered = value;
            deliveredOn = QThread::currentThreadId();
        });
    EXPECT_TRUE(runner.isBusy());
    ASSERT_TRUE(finished.wait(5000));
    EXPECT_EQ(delivered, 42);
    EXPECT_EQ(deliveredOn, QThread::currentThreadId());
    EXPECT_FALSE(runner.isBusy());
    // An instant job: the heartbeat's worst gap spans at most the wait above (nominally a few ms).
    EXPECT_LT(runner.worstStallMs(), 2000.0);
}

TEST(JobRunner, TheHeartbeatTicksWhileABusyJobRuns)
{
    // The worker spins for 1.5 s while the GUI thread waits in its event loop. The 10 ms heartbeat must keep ticking:
    // had it not run, the worst gap would be the whole job (from start() to finish()'s closing beat). The bound is
    // generous for a loaded 2-core machine.
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::jobFinished);
    QSignalSpy log(&runner, &JobRunner::logLine);
    runner.start(
        QStringLiteral("busy"),
        [](const JobContext&) {
            const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
            volatile std::uint64_t spins = 0;
            while (std::chrono::steady_clock::now() < end)
                spins = spins + 1;
            return static_cast<std::uint64_t>(spins);
        },
        [](const std::uint64_t&) {});
    ASSERT_TRUE(finished.wait(10000));
    EXPECT_LT(runner.worstStallMs(), 1000.0) << "the GUI heartbeat stalled (or never ticked) during the job";
    EXPECT_GE(runner.worstStallMs(), 5.0) << "the heartbeat timer runs every 10 ms: no gap can be shorter";
    bool reported = false;
    for (const auto& args : log)
        reported |= args.front().toString().startsWith(QStringLiteral("busy: GUI heartbeat worst gap"));
    EXPECT_TRUE(reported);
}

TEST(JobRunner, AnErrorBecomesOneMessageAndTheRunnerStaysUsable)
{
    JobRunner runner;
    QSignalSpy failed(&runner, &JobRunner::jobFailed);
    runner.start(
        QStringLiteral("broken"),
        [](const JobContext&) -> int { throw flatslice::core::Error("model.gguf: tensor 'x' is missing"); },
        [](const int&) { ADD_FAILURE() << "no result for a failed job"; });
    ASSERT_TRUE(failed.wait(5000));
    EXPECT_EQ(failed.front().at(2).toString(), QStringLiteral("model.gguf: tensor 'x' is missing"));

    QSignalSpy finished(&runner, &JobRunner::jobFinished);
    runner.start(
        QStringLiteral("next"), [](const JobContext&) { return 1; }, [](const int&) {});
    EXPECT_TRUE(finished.wait(5000));
}

TEST(JobRunner, AStaleResultIsDropped)
{
    JobRunner runner;
    QList<int> delivered;
    // The first job ignores its cancel request and still returns: its result must not arrive.
    runner.start(
        QStringLiteral("slow"),
        [](const JobContext&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            return 1;
        },
        [&](const int& v) { delivered << v; });
    QSignalSpy finished(&runner, &JobRunner::jobFinished);
    const quint64 second = runner.start(
        QStringLiteral("fast"), [](const JobContext&) { return 2; }, [&](const int& v) { delivered << v; });
    ASSERT_TRUE(finished.wait(5000));
    QTest::qWait(500);
    EXPECT_EQ(delivered, QList<int>{2});
    ASSERT_EQ(finished.count(), 1);
    EXPECT_EQ(finished.front().front().toULongLong(), second);
}

TEST(JobRunner, ARealAnalysisReportsProgressAndCanBeCancelled)
{
    QTemporaryDir dir;
    AnalysisRequest request;
    request.modelPath = flatslice::uitest::tinyModel().toStdString();
    request.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
    request.samples = 4000; // far more than the test waits for
    request.seqlen = 64;
    request.threads = 1;
    JobRunner runner;
    QSignalSpy progress(&runner, &JobRunner::progressChanged);
    QSignalSpy cancelled(&runner, &JobRunner::jobCancelled);
    bool delivered = false;
    runner.start(
        QStringLiteral("Analyse"),
        [request](const JobContext& context) { return flatslice::ui::runAnalysis(request, context); },
        [&](const std::shared_ptr<const flatslice::core::AnalysisResult>&) { delivered = true; });
    ASSERT_TRUE(progress.wait(20000));
    // progressChanged(id, done, total, message, eta): every stage of an analysis reports a known total.
    const auto first = progress.front();
    EXPECT_GT(first.at(2).toLongLong(), 0); // total
    EXPECT_GE(first.at(1).toLongLong(), 0); // done
    EXPECT_LE(first.at(1).toLongLong(), first.at(2).toLongLong());
    EXPECT_FALSE(first.at(3).toString().isEmpty());
    runner.cancel();
    ASSERT_TRUE(cancelled.wait(20000));
    EXPECT_FALSE(delivered);
    EXPECT_FALSE(runner.isBusy());
}

TEST(JobRunner, ARealAnalysisFinishesWithOneResultPerBlock)
{
    QTemporaryDir dir;
    AnalysisRequest request;
    request.modelPath = flatslice::uitest::tinyModel().toStdString();
    request.calibrationPath = flatslice::uitest::writeCalibrationText(dir).toStdString();
    request.samples = 4;
    request.seqlen = 32;
    request.threads = 1;
    JobRunner runner;
    QSignalSpy finished(&runner, &JobRunner::jobFinished);
    QSignalSpy log(&runner, &JobRunner::logLine);
    std::shared_ptr<const flatslice::core::AnalysisResult> result;
    runner.start(
        QStringLiteral("Analyse"),
        [request](const JobContext& context) { return flatslice::ui::runAnalysis(request, context); },
        [&](const std::shared_ptr<const flatslice::core::AnalysisResult>& r) { result = r; });
    ASSERT_TRUE(finished.wait(60000));
    ASSERT_NE(result, nullptr);
    EXPECT_EQ(result->blocks.size(), 2u);
    EXPECT_EQ(result->protocol.samples, 4);
    bool heartbeatLogged = false;
    for (const auto& args : log)
        heartbeatLogged |= args.front().toString().contains(QStringLiteral("heartbeat"));
    EXPECT_TRUE(heartbeatLogged);
}
