// SPDX-License-Identifier: GPL-3.0-or-later
#include "runworkbench.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTimer>

#include "window/mainwindow.h"
#include "workbench/protocol.h"
#include "workbench/screenshotdriver.h"
#include "workbench/workbench.h"

namespace flatslice::ui {

int runWorkbench(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("flatslice"));
    QApplication::setOrganizationName(QStringLiteral("flatslice"));
    QApplication::setApplicationVersion(QStringLiteral(FLATSLICE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("flatslice workbench"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                         QStringLiteral("Save a PNG of every view into DIR, then quit."),
                                         QStringLiteral("DIR"));
    const QCommandLineOption quitAfter(QStringLiteral("quit-after"), QStringLiteral("Quit after MS milliseconds."),
                                       QStringLiteral("MS"));
    const QCommandLineOption calib(QStringLiteral("calib"), QStringLiteral("Calibration text for the analysis."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption eval(QStringLiteral("eval"), QStringLiteral("Evaluation text (perplexity)."),
                                  QStringLiteral("FILE"));
    const QCommandLineOption samples(QStringLiteral("samples"), QStringLiteral("Calibration windows."),
                                     QStringLiteral("N"));
    const QCommandLineOption seqlen(QStringLiteral("seqlen"), QStringLiteral("Tokens per calibration window."),
                                    QStringLiteral("L"));
    const QCommandLineOption analyse(QStringLiteral("analyse"),
                                     QStringLiteral("Start the analysis as soon as the model is open."));
    const QCommandLineOption exportDir(QStringLiteral("export"),
                                       QStringLiteral(
                                           "With --screenshots: compress the suggested plan into DIR (a Hugging "
                                           "Face directory, self-checked) before the screenshots."),
                                       QStringLiteral("DIR"));
    for (const auto& option : {screenshots, quitAfter, calib, eval, samples, seqlen, analyse, exportDir})
        parser.addOption(option);
    parser.addPositionalArgument(QStringLiteral("[open] PATH"),
                                 QStringLiteral(
                                     "A model (directory or .gguf), a session (.flatslice.h5) or a plan (.json)."));
    parser.process(app);

    QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && positional.front() == QStringLiteral("open"))
        positional.pop_front();

    MainWindow window;
    window.resize(1400, 900);
    Workbench* workbench = window.workbench();
    Protocol protocol = workbench->protocol();
    if (parser.isSet(calib))
        protocol.calibrationPath = QDir().absoluteFilePath(parser.value(calib)).toStdString();
    if (parser.isSet(eval))
        protocol.evaluationPath = QDir().absoluteFilePath(parser.value(eval)).toStdString();
    if (parser.isSet(samples))
        protocol.samples = parser.value(samples).toLongLong();
    if (parser.isSet(seqlen))
        protocol.seqlen = parser.value(seqlen).toLongLong();
    workbench->setProtocol(protocol);
    window.show();

    ScreenshotDriver::Options script;
    script.screenshotDir = parser.value(screenshots);
    script.analyse = parser.isSet(analyse) || (parser.isSet(screenshots) && parser.isSet(calib));
    script.exportDir = parser.value(exportDir);
    ScreenshotDriver driver(&window, script);
    QObject::connect(&driver, &ScreenshotDriver::finished, &app, &QApplication::exit);

    if (!positional.isEmpty())
        workbench->openPath(positional.front());
    if (parser.isSet(quitAfter))
        QTimer::singleShot(parser.value(quitAfter).toInt(), &app, &QApplication::quit);
    return app.exec();
}

} // namespace flatslice::ui
