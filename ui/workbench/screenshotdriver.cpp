// SPDX-License-Identifier: GPL-3.0-or-later
#include "screenshotdriver.h"

#include <QDir>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <memory>

#include <qcustomplot.h>

#include "jobs/compressionjob.h"
#include "jobs/jobrunner.h"
#include "window/mainwindow.h"
#include "workbench.h"

namespace flatslice::ui {

ScreenshotDriver::ScreenshotDriver(MainWindow* window, Options options, QObject* parent)
    : QObject(parent), m_window(window), m_options(std::move(options))
{
    Workbench* wb = window->workbench();
    const bool shoot = !m_options.screenshotDir.isEmpty();
    if (m_options.analyse) {
        // Once, for the first model that opens.
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = connect(wb, &Workbench::modelLoaded, this, [wb, connection] {
            disconnect(*connection);
            wb->startAnalysis();
        });
    }
    if (!shoot)
        return;
    QDir().mkpath(m_options.screenshotDir);
    if (m_options.analyse && !m_options.exportDir.isEmpty()) {
        connect(wb, &Workbench::analysisFinished, this, &ScreenshotDriver::exportSuggestedPlan);
        connect(wb, &Workbench::compressionFinished, this, [wb] {
            std::printf("GUI heartbeat: worst gap %.1f ms during the compress job\n", wb->jobRunner()->worstStallMs());
            wb->startComparison();
        });
        connect(wb, &Workbench::measurementFinished, this, &ScreenshotDriver::shootAll);
    } else if (m_options.analyse) {
        connect(wb, &Workbench::analysisFinished, this, [this, wb] {
            std::printf("GUI heartbeat: worst gap %.1f ms during the analysis\n", wb->jobRunner()->worstStallMs());
            wb->suggestPlan(0.10, false);
            shootAll();
        });
    } else {
        connect(wb, &Workbench::modelLoaded, this, &ScreenshotDriver::shootAll);
        connect(wb, &Workbench::sessionChanged, this, &ScreenshotDriver::shootAll);
    }
    connect(window, &MainWindow::errorShown, this, [this](const QString& title, const QString& message) {
        std::fprintf(stderr, "flatslice: %s: %s\n", qPrintable(title), qPrintable(message));
        Q_EMIT finished(1);
    });
}

void ScreenshotDriver::exportSuggestedPlan()
{
    Workbench* wb = m_window->workbench();
    wb->suggestPlan(0.10, false);
    core::CompressionJobOptions options = wb->compressionDefaults();
    options.outputPath = m_options.exportDir.toStdString();
    options.overwrite = true;
    options.evalMaxTokens = 4096;
    wb->startCompression(options);
}

void ScreenshotDriver::shootAll()
{
    if (m_shooting)
        return;
    m_shooting = true;
    // Half a second for the last result to be laid out before the first grab.
    QTimer::singleShot(500, this,
                       [this] { saveScreenshots(m_window, m_options.screenshotDir, [this] { Q_EMIT finished(0); }); });
}

void ScreenshotDriver::saveScreenshots(MainWindow* window, const QString& dir, const std::function<void()>& done)
{
    auto step = std::make_shared<std::function<void(int)>>();
    // The step holds itself only through the timer's copy, so the chain frees itself after the last tab.
    *step = [window, dir, done, weak = std::weak_ptr<std::function<void(int)>>(step)](int i) {
        QTabWidget* tabs = window->tabs();
        if (i >= tabs->count()) {
            if (done)
                done();
            return;
        }
        tabs->setCurrentIndex(i);
        QTimer::singleShot(400, window, [window, dir, i, next = weak.lock()] {
            for (QCustomPlot* plot : window->plotsOfTab(i))
                plot->replot(QCustomPlot::rpImmediateRefresh);
            const QString name = window->tabs()
                                     ->tabText(i)
                                     .toLower()
                                     .remove(QLatin1Char('&'))
                                     .replace(QLatin1Char(' '), QLatin1Char('-'));
            const QString file = dir + QStringLiteral("/%1-%2.png").arg(i + 1).arg(name);
            window->grab().save(file);
            window->appendLog(QObject::tr("screenshot %1").arg(file));
            (*next)(i + 1);
        });
    };
    (*step)(0);
}

} // namespace flatslice::ui
