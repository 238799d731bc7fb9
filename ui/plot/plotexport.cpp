// SPDX-License-Identifier: GPL-3.0-or-later
#include "plotexport.h"

#include <QFileInfo>
#include <QSvgGenerator>

#include <qcustomplot.h>

namespace flatslice::ui {

QStringList PlotExport::formats()
{
    return {QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("svg")};
}

QString PlotExport::fileFilter()
{
    return QObject::tr("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)");
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
    bool ok = false;
    if (suffix == QLatin1String("png")) {
        ok = plot->savePng(path, width, height, scale);
    } else if (suffix == QLatin1String("pdf")) {
        ok = plot->savePdf(path, width, height, QCP::epAllowCosmetic, QStringLiteral("flatslice"), plot->objectName());
    } else {
        // QCustomPlot has no SVG writer of its own; it paints into any QPaintDevice, so render into a generator.
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(width, height));
        svg.setViewBox(QRect(0, 0, width, height));
        svg.setTitle(plot->objectName());
        svg.setDescription(QStringLiteral("flatslice"));
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
        ok = ok && QFileInfo(path).size() > 0;
    }
    return ok ? true : fail(QObject::tr("%1: could not write the file").arg(path));
}

} // namespace flatslice::ui
