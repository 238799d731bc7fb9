// SPDX-License-Identifier: GPL-3.0-or-later
// Renders every view (and every plot through PlotExport) to PNGs: by default on the synthetic session
// (syntheticsession.h) into a temporary directory, as a check that each view shows, grabs and exports a picture
// with something drawn in it; and for a person to look at, on a real session when FLATSLICE_VIEW_SHOTS_SESSION names
// one, into FLATSLICE_VIEW_SHOTS_DIR (default ./view-shots when a session is named, else the temporary directory).
// Example (one line):
//   FLATSLICE_VIEW_SHOTS_SESSION=/tmp/views-demo.flatslice.h5 FLATSLICE_VIEW_SHOTS_DIR=build-views/view-shots
//   QT_QPA_PLATFORM=offscreen build-views/tests/flatslice_ui_tests --gtest_filter='ViewShots.*'
#include <QApplication>
#include <QDir>
#include <QImage>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <algorithm>

#include "analysis/sessionfile.h"
#include "compress/plansuggestion.h"
#include "plot/explainedvariance.h"
#include "plot/plotexport.h"
#include "syntheticsession.h"
#include "views/compareview.h"
#include "views/importanceview.h"
#include "views/similarityview.h"
#include "views/spectraview.h"

using namespace flatslice;
using namespace flatslice::ui;

namespace {

// At least two colours among a grid of samples: the picture is not blank (an empty or unpainted widget is uniform).
void expectDrawn(const QImage& image, const QString& what)
{
    ASSERT_FALSE(image.isNull()) << what.toStdString();
    EXPECT_GT(image.width(), 0) << what.toStdString();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += std::max(1, image.height() / 40))
        for (int x = 0; x < image.width(); x += std::max(1, image.width() / 40))
            colours.insert(image.pixel(x, y));
    EXPECT_GE(colours.size(), 2) << what.toStdString() << " is a blank picture";
}

void shoot(QWidget& view, const QList<QCustomPlot*>& plots, const QString& dir, const QString& name)
{
    view.resize(1400, 900);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    QApplication::processEvents();
    for (QCustomPlot* plot : plots)
        plot->replot();
    const QString viewFile = dir + QStringLiteral("/%1.png").arg(name);
    const QPixmap grabbed = view.grab();
    EXPECT_EQ(grabbed.size(), view.size()) << name.toStdString();
    EXPECT_TRUE(grabbed.save(viewFile));
    expectDrawn(QImage(viewFile), viewFile);
    EXPECT_FALSE(plots.isEmpty()) << name.toStdString() << " has no plots";
    for (int i = 0; i < plots.size(); ++i) {
        QString error;
        const QString plotFile = dir + QStringLiteral("/%1-plot%2.png").arg(name).arg(i);
        EXPECT_TRUE(PlotExport::save(plots[i], plotFile, 0, 0, 1.0, &error)) << error.toStdString();
        expectDrawn(QImage(plotFile), plotFile);
    }
}

} // namespace

TEST(ViewShots, RenderEveryViewToPictures)
{
    const QByteArray sessionPath = qgetenv("FLATSLICE_VIEW_SHOTS_SESSION");
    const QTemporaryDir scratch;
    ASSERT_TRUE(scratch.isValid());
    QString dir = QString::fromLocal8Bit(qgetenv("FLATSLICE_VIEW_SHOTS_DIR"));
    if (dir.isEmpty())
        dir = sessionPath.isEmpty() ? scratch.path() : QStringLiteral("view-shots");
    ASSERT_TRUE(QDir().mkpath(dir)) << dir.toStdString();
    const auto session = sessionPath.isEmpty() ? uitest::syntheticSession()
                                               : std::make_shared<const core::AnalysisResult>(
                                                     core::readSession(sessionPath.toStdString()));
    ASSERT_GE(session->blocks.size(), 3u) << "the plan below flattens and drops blocks";
    core::SuggestOptions options;
    // 4 pairs on a real model; on the 6-block synthetic session 2 pairs, leaving blocks to drop.
    options.flattenCount = std::min<std::int64_t>(4, static_cast<std::int64_t>(session->blocks.size()) / 3);
    options.dropCount = 1;
    core::SlicePlan slice;
    slice.ratio = 0.2;
    options.slice = slice;
    const core::Plan plan = core::suggestPlan(*session, options);

    SimilarityView similarity;
    similarity.setSession(session);
    similarity.setPlan(plan);
    shoot(similarity, similarity.plots(), dir, QStringLiteral("similarity"));

    SpectraView spectra;
    spectra.setSession(session);
    spectra.setPlan(plan);
    shoot(spectra, spectra.plots(), dir, QStringLiteral("spectra-global"));
    spectra.selectBlocks(
        {0, static_cast<qint64>(session->blocks.size()) / 2, static_cast<qint64>(session->blocks.size()) - 1});
    shoot(spectra, spectra.plots(), dir, QStringLiteral("spectra-blocks"));

    ImportanceView importance;
    importance.setSession(session);
    importance.setPlan(plan);
    shoot(importance, importance.plots(), dir, QStringLiteral("importance"));

    // A plausible comparison assembled from the session (the measured figures are made up for the picture).
    ComparisonData data;
    data.dense.label = QStringLiteral("dense");
    data.dense.parameters = 134'515'008;
    data.dense.layers = static_cast<std::int64_t>(session->blocks.size());
    data.dense.perplexity = 17.8;
    data.dense.prefillTokensPerSecond = 1450.0;
    data.dense.decodeTokensPerSecond = 61.0;
    data.dense.explainedVariance =
        ExplainedVariance(session->blocks[10 % session->blocks.size()].attnInput.eigenvalues).cumulative();
    data.dense.generation = QStringLiteral("The history of the city begins in the 12th century, when ...");
    data.compressed = data.dense;
    data.compressed.label = QStringLiteral("%1 pairs flattened, 1 block dropped").arg(options.flattenCount);
    data.compressed.parameters = 116'816'064;
    data.compressed.layers = static_cast<std::int64_t>(
        plan.resultLayers(static_cast<std::int64_t>(session->blocks.size())).size());
    data.compressed.perplexity = 21.4;
    data.compressed.prefillTokensPerSecond = 1700.0;
    data.compressed.decodeTokensPerSecond = 70.5;
    std::vector<double> sim;
    for (const auto& layer : plan.resultLayers(static_cast<std::int64_t>(session->blocks.size())))
        sim.push_back(session->blocks[static_cast<std::size_t>(layer.front())].cosInOut * 0.98);
    data.compressed.adjacentSimilarity = sim;
    data.compressed.generation = QStringLiteral("The history of the city begins in the 13th century ...");
    data.prompt = QStringLiteral("The history of the city");
    data.spectrumLabel = QStringLiteral("block 10, attention input");
    CompareView compare;
    compare.setSession(session);
    compare.setPlan(plan);
    compare.setComparison(data);
    shoot(compare, compare.plots(), dir, QStringLiteral("compare"));
}
