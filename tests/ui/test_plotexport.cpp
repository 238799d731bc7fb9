// SPDX-License-Identifier: GPL-3.0-or-later
#include <QFile>
#include <QTemporaryDir>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include "plot/plotexport.h"

using flatslice::ui::PlotExport;

namespace {

QByteArray head(const QString& path, int bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.read(bytes);
}

void fill(QCustomPlot& plot)
{
    auto* graph = plot.addGraph();
    graph->setData({0, 1, 2, 3}, {1, 3, 2, 4});
    plot.rescaleAxes();
}

} // namespace

TEST(PlotExport, WritesAValidPngAtTheRequestedSize)
{
    QTemporaryDir dir;
    QCustomPlot plot;
    fill(plot);
    const QString path = dir.filePath(QStringLiteral("plot.PNG"));
    QString error;
    ASSERT_TRUE(PlotExport::save(&plot, path, 400, 300, 1.0, &error)) << error.toStdString();
    EXPECT_EQ(head(path, 8), QByteArray("\x89PNG\r\n\x1a\n", 8));
    const QImage image(path);
    EXPECT_EQ(image.size(), QSize(400, 300));
}

TEST(PlotExport, WritesAValidPdf)
{
    QTemporaryDir dir;
    QCustomPlot plot;
    fill(plot);
    const QString path = dir.filePath(QStringLiteral("plot.pdf"));
    ASSERT_TRUE(PlotExport::save(&plot, path, 400, 300));
    EXPECT_EQ(head(path, 5), QByteArray("%PDF-"));
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_TRUE(file.readAll().trimmed().endsWith("%%EOF"));
}

TEST(PlotExport, WritesAnSvgWithTheCurves)
{
    QTemporaryDir dir;
    QCustomPlot plot;
    fill(plot);
    const QString path = dir.filePath(QStringLiteral("plot.svg"));
    ASSERT_TRUE(PlotExport::save(&plot, path, 400, 300));
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    EXPECT_TRUE(text.contains("<svg")) << text.left(200).toStdString();
    EXPECT_TRUE(text.contains("viewBox=\"0 0 400 300\""));
    EXPECT_TRUE(text.contains("<path") || text.contains("<polyline")); // the graph's line
}

TEST(PlotExport, AnUnlaidPlotGetsADefaultSize)
{
    QTemporaryDir dir;
    QCustomPlot plot;
    fill(plot);
    const QString path = dir.filePath(QStringLiteral("plot.png"));
    ASSERT_TRUE(PlotExport::save(&plot, path, 0, 0, 1.0));
    EXPECT_EQ(QImage(path).size(), QSize(800, 500));
}

TEST(PlotExport, RefusesUnknownFormatsWithAReason)
{
    QTemporaryDir dir;
    QCustomPlot plot;
    QString error;
    EXPECT_FALSE(PlotExport::save(&plot, dir.filePath(QStringLiteral("plot.tiff")), 400, 300, 1.0, &error));
    EXPECT_TRUE(error.contains(QStringLiteral("unsupported format 'tiff'"))) << error.toStdString();
    EXPECT_FALSE(QFile::exists(dir.filePath(QStringLiteral("plot.tiff"))));
    EXPECT_FALSE(PlotExport::save(nullptr, dir.filePath(QStringLiteral("plot.png"))));
    EXPECT_EQ(PlotExport::formats(),
              QStringList({QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("svg")}));
}

TEST(PlotExport, ReportsAFailedWrite)
{
    QCustomPlot plot;
    fill(plot);
    QString error;
    EXPECT_FALSE(PlotExport::save(&plot, QStringLiteral("/nonexistent-dir/plot.png"), 100, 100, 1.0, &error));
    EXPECT_TRUE(error.contains(QStringLiteral("could not write"))) << error.toStdString();
}
