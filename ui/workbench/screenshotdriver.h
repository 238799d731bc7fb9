// SPDX-License-Identifier: GPL-3.0-or-later
// Drives a shown MainWindow through a scripted run for the command line's --analyse, --screenshots and --export:
//  - analyse: once the first model is open, start the analysis on the Workbench's protocol;
//  - screenshots DIR (with analyse): when the analysis is done, suggest a 10% flatten plan; with an export
//    directory, compress that plan into it (self-checked, evaluated on the protocol's evaluation text, 4,096
//    tokens) and compare dense and compressed; then save one PNG per tab into DIR and finish(0);
//  - screenshots DIR (without analyse): the PNGs once the model or the session is shown.
// With screenshots, the first error shown finishes with 1 (the window's message box is still up). The worst GUI
// stall of the analysis or the export is printed to stdout. One tab is grabbed per timer turn, so each is laid out
// and its plots replotted at their real size. The driver never quits the application itself: finished() says
// with which exit code it would. GUI thread only.
#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace flatslice::ui {

class MainWindow;

class ScreenshotDriver : public QObject {
    Q_OBJECT
public:
    struct Options {
        bool analyse = false;  // analyse the first model that opens
        QString screenshotDir; // empty: no screenshots (and never finished())
        QString exportDir;     // with analyse and screenshots: export and compare before the screenshots
    };

    ScreenshotDriver(MainWindow* window, Options options, QObject* parent = nullptr);

    // Writes "<dir>/<n>-<tab>.png" for every tab of `window`, then calls `done`.
    static void saveScreenshots(MainWindow* window, const QString& dir, const std::function<void()>& done);

Q_SIGNALS:
    void finished(int exitCode);

private:
    void exportSuggestedPlan();
    void shootAll();

    MainWindow* m_window;
    Options m_options;
    bool m_shooting = false; // one round of screenshots, however many triggers arrive
};

} // namespace flatslice::ui
