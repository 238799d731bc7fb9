#include <QSignalSpy>
#include <QTest>
#include <QTableWidget>
#include <QTabWidget>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include "mainwindow.h"

using flatslice::ui::MainWindow;

namespace {
QString fixture(const char* relative)
{
    return QStringLiteral(FLATSLICE_TEST_DATA "/") + QString::fromLatin1(relative);
}
} // namespace

TEST(MainWindow, OpensAGgufModelInTheBackgroundAndShowsItsShape)
{
    MainWindow window;
    window.show();
    QSignalSpy loaded(&window, &MainWindow::modelLoaded);
    window.openModel(fixture("tiny-llama/tiny-llama.gguf"));
    EXPECT_TRUE(window.isLoading());
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_FALSE(window.isLoading());
    ASSERT_NE(window.summary(), nullptr);
    EXPECT_EQ(window.summary()->config.numLayers, 2);
    EXPECT_EQ(window.summary()->config.numKvHeads, 2);
    auto* table = window.findChild<QTableWidget*>();
    ASSERT_NE(table, nullptr);
    EXPECT_GT(table->rowCount(), 10);
    const auto plots = window.findChildren<QCustomPlot*>();
    ASSERT_EQ(plots.size(), 2);
    for (QCustomPlot* plot : plots)
        EXPECT_GT(plot->plottableCount(), 0);
}

TEST(MainWindow, ABadFileReportsAnErrorAndLeavesTheWindowUsable)
{
    MainWindow window;
    window.show();
    QSignalSpy failed(&window, &MainWindow::loadFailed);
    window.openModel(fixture("no-such-model.gguf"));
    ASSERT_TRUE(failed.wait(10000));
    EXPECT_TRUE(failed.front().front().toString().contains(QStringLiteral("no-such-model.gguf")));
    EXPECT_EQ(window.summary(), nullptr);

    QSignalSpy loaded(&window, &MainWindow::modelLoaded);
    window.openModel(fixture("tiny-llama/tiny-llama.gguf"));
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_NE(window.summary(), nullptr);
}

TEST(MainWindow, ANewerOpenSupersedesAnOlderOne)
{
    MainWindow window;
    QSignalSpy loaded(&window, &MainWindow::modelLoaded);
    QSignalSpy failed(&window, &MainWindow::loadFailed);
    window.openModel(fixture("no-such-model.gguf"));
    window.openModel(fixture("tiny-llama/tiny-llama.gguf"));
    ASSERT_TRUE(loaded.wait(10000));
    QTest::qWait(200);
    EXPECT_EQ(failed.count(), 0) << "the stale failure must be dropped";
    EXPECT_EQ(loaded.count(), 1);
}
