#include "plotexport.h"

#include <QFileInfo>

#include <qcustomplot.h>

namespace flatslice::ui {

QStringList PlotExport::formats()
{
    return {QStringLiteral("png"), QStringLiteral("pdf")};
}

QString PlotExport::fileFilter()
{
    return QObject::tr("PNG image (*.png);;PDF document (*.pdf)");
}

bool PlotExport::save(QCustomPlot* plot, const QString& path, int width, int height, double scale, QString* error)
{
    const auto fail = [error](const QString& why) {
        if (error)
            *error = why;
        return false;
    };
    if (!plot)
        return fail(QObject::tr("no plot to save"));
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (!formats().contains(suffix))
        return fail(QObject::tr("%1: unsupported format '%2' (use %3)")
                        .arg(path, suffix, formats().join(QStringLiteral(", "))));
    if (width <= 0 || height <= 0) {
        const bool laidOut = plot->width() > 1 && plot->height() > 1 && plot->testAttribute(Qt::WA_WState_Created);
        width = laidOut ? plot->width() : 800;
        height = laidOut ? plot->height() : 500;
    }
    const bool ok = suffix == QLatin1String("png")
                        ? plot->savePng(path, width, height, scale)
                        : plot->savePdf(path, width, height, QCP::epAllowCosmetic, QStringLiteral("flatslice"),
                                        plot->objectName());
    return ok ? true : fail(QObject::tr("%1: could not write the file").arg(path));
}

} // namespace flatslice::ui
