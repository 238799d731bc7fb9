// SPDX-License-Identifier: GPL-3.0-or-later
// Saves a QCustomPlot to an image file, the format chosen by the file extension (case-insensitive):
//   .png  raster at `scale` x the given size (device-independent pixels), via QCustomPlot::savePng
//   .pdf  vector, via QCustomPlot::savePdf (QPdfWriter from Qt PrintSupport)
//   .svg  vector, painted into a QSvgGenerator (Qt6::Svg; QCustomPlot has no SVG writer)
// A size of 0 uses the plot's current size (or 800 x 500 if the plot was never laid out). GUI thread only.
#pragma once

#include <QString>
#include <QStringList>

class QCustomPlot;

namespace flatslice::ui {

class PlotExport {
public:
    // Lower-case extensions save() understands, without dots: {"png", "pdf"}.
    static QStringList formats();
    // A file-dialog filter for them ("PNG image (*.png);;PDF document (*.pdf)").
    static QString fileFilter();
    // Writes `plot` to `path`. Returns false with a one-line reason in `error` (if given) for an unknown
    // extension or a failed write; an existing file is replaced.
    static bool save(QCustomPlot* plot, const QString& path, int width = 0, int height = 0, double scale = 2.0,
                     QString* error = nullptr);
};

} // namespace flatslice::ui
