#include "workbench.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTimer>

#include <cstdio>

#include "views/analysepanel.h"
#include "jobs/jobrunner.h"
#include "window/mainwindow.h"

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
                                       QStringLiteral("With --screenshots: compress the suggested plan into DIR (a Hugging "
                                                      "Face directory, self-checked) before the screenshots."),
                                       QStringLiteral("DIR"));
    for (const auto& option : {screenshots, quitAfter, calib, eval, samples, seqlen, analyse, exportDir})
        parser.addOption(option);
    parser.addPositionalArgument(QStringLiteral("[open] PATH"),
                                 QStringLiteral("A model (directory or .gguf), a session (.flatslice.h5) or a plan (.json)."));
    parser.process(app);

    QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && positional.front() == QStringLiteral("open"))
        positional.pop_front();

    MainWindow window;
    window.resize(1400, 900);
    AnalysisRequest request = window.analysePanel()->request();
    if (parser.isSet(calib))
        request.calibrationPath = QDir().absoluteFilePath(parser.value(calib)).toStdString();
    if (parser.isSet(eval))
        request.evaluationPath = QDir().absoluteFilePath(parser.value(eval)).toStdString();
    if (parser.isSet(samples))
        request.samples = parser.value(samples).toLongLong();
    if (parser.isSet(seqlen))
        request.seqlen = parser.value(seqlen).toLongLong();
    window.analysePanel()->setRequest(request);
    window.show();

    const bool shoot = parser.isSet(screenshots);
    const bool analyseFirst = parser.isSet(analyse) || (shoot && parser.isSet(calib));
    if (analyseFirst) {
        // Once, for the first model that opens.
        auto connection = std::make_shared<QMetaObject::Connection>();
        *connection = QObject::connect(&window, &MainWindow::modelLoaded, &window, [&window, connection] {
            QObject::disconnect(*connection);
            window.startAnalysis();
        });
    }
    if (shoot) {
        const QString dir = parser.value(screenshots);
        QDir().mkpath(dir);
        auto shootAll = [&window, dir] {
            QTimer::singleShot(500, &window, [&window, dir] {
                window.saveScreenshots(dir, [] { QApplication::quit(); });
            });
        };
        if (analyseFirst && parser.isSet(exportDir)) {
            const QString out = parser.value(exportDir);
            QObject::connect(&window, &MainWindow::analysisFinished, &window, [&window, out] {
                window.suggestPlan(0.10, false);
                const AnalysisRequest protocol = window.analysePanel()->request();
                core::CompressionJobOptions options;
                options.outputPath = out.toStdString();
                options.overwrite = true;
                options.calibrationPath = protocol.calibrationPath;
                options.samples = protocol.samples;
                options.seqlen = protocol.seqlen;
                options.seed = protocol.seed;
                options.evalPath = protocol.evaluationPath;
                options.evalMaxTokens = 4096;
                window.startCompression(options);
            });
            QObject::connect(&window, &MainWindow::compressionFinished, &window, [&window] {
                std::printf("GUI heartbeat: worst gap %.1f ms during the compress job\n",
                            window.jobRunner()->worstStallMs());
                window.startComparison();
            });
            QObject::connect(&window, &MainWindow::measurementFinished, &window, shootAll);
        } else if (analyseFirst) {
            QObject::connect(&window, &MainWindow::analysisFinished, &window, [&window, shootAll] {
                std::printf("GUI heartbeat: worst gap %.1f ms during the analysis\n", window.jobRunner()->worstStallMs());
                window.suggestPlan(0.10, false);
                shootAll();
            });
        } else {
            QObject::connect(&window, &MainWindow::modelLoaded, &window, shootAll);
            QObject::connect(&window, &MainWindow::sessionChanged, &window, shootAll);
        }
        QObject::connect(&window, &MainWindow::errorShown, &app, [](const QString& title, const QString& message) {
            std::fprintf(stderr, "flatslice: %s: %s\n", qPrintable(title), qPrintable(message));
            QApplication::exit(1);
        });
    }
    if (!positional.isEmpty())
        window.openPath(positional.front());
    if (parser.isSet(quitAfter))
        QTimer::singleShot(parser.value(quitAfter).toInt(), &app, &QApplication::quit);
    return app.exec();
}

} // namespace flatslice::ui
