#include "workbench.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTimer>

#include "mainwindow.h"

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
    parser.addOption(screenshots);
    parser.addOption(quitAfter);
    parser.addPositionalArgument(QStringLiteral("[open] PATH"), QStringLiteral("A model (directory or .gguf)."));
    parser.process(app);

    QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty() && positional.front() == QStringLiteral("open"))
        positional.pop_front();

    MainWindow window;
    window.resize(1280, 800);
    window.show();
    if (!positional.isEmpty())
        window.openModel(positional.front());

    if (parser.isSet(screenshots)) {
        const QString dir = parser.value(screenshots);
        QDir().mkpath(dir);
        QObject::connect(&window, &MainWindow::modelLoaded, &window, [&window, dir] {
            // Let layouts and plots settle before grabbing.
            QTimer::singleShot(500, &window, [&window, dir] {
                window.saveScreenshots(dir);
                QApplication::quit();
            });
        });
        QObject::connect(&window, &MainWindow::loadFailed, &app, [] { QApplication::exit(1); });
    }
    if (parser.isSet(quitAfter))
        QTimer::singleShot(parser.value(quitAfter).toInt(), &app, &QApplication::quit);
    return app.exec();
}

} // namespace flatslice::ui
