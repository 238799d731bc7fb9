// Renders every view on a real session to PNGs, for a person to look at (not a check of pixels).
// Runs only when FLATSLICE_VIEW_SHOTS_SESSION names a session file; writes into FLATSLICE_VIEW_SHOTS_DIR
// (default ./view-shots). Example (one line):
//   FLATSLICE_VIEW_SHOTS_SESSION=/tmp/views-demo.flatslice.h5 FLATSLICE_VIEW_SHOTS_DIR=build-views/view-shots
//   QT_QPA_PLATFORM=offscreen build-views/tests/flatslice_ui_tests --gtest_filter='ViewShots.*'
#include <QApplication>
#include <QDir>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include "views/compareview.h"
#include "compress/plansuggestion.h"
#include "plot/explainedvariance.h"
#include "views/importanceview.h"
#include "analysis/sessionfile.h"
#include "plot/plotexport.h"
#include "views/similarityview.h"
#include "views/spectraview.h"

using namespace flatslice;
using namespace flatslice::ui;

namespace {

void shoot(QWidget& view, const QList<QCustomPlot*>& plots, const QString& dir, const QString& name)
{
    view.resize(1400, 900);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    QApplication::processEvents();
    for (QCustomPlot* plot : plots)
        plot->replot();
    EXPECT_TRUE(view.grab().save(dir + QStringLiteral("/%1.png").arg(name)));
    for (int i = 0; i < plots.size(); ++i) {
        QString error;
        EXPECT_TRUE(PlotExport::save(plots[i], dir + QStringLiteral("/%1-plot%2.png").arg(name).arg(i), 0, 0, 1.0,
                                     &error))
            << error.toStdString();
    }
}

} // namespace

TEST(ViewShots, RenderEveryViewOnARealSession)
{
    const QByteArray sessionPath = qgetenv("FLATSLICE_VIEW_SHOTS_SESSION");
    if (sessionPath.isEmpty())
        GTEST_SKIP() << "set FLATSLICE_VIEW_SHOTS_SESSION to a session file";
    QString dir = QString::fromLocal8Bit(qgetenv("FLATSLICE_VIEW_SHOTS_DIR"));
    if (dir.isEmpty())
        dir = QStringLiteral("view-shots");
    QDir().mkpath(dir);
    const auto session = std::make_shared<const core::AnalysisResult>(core::readSession(sessionPath.toStdString()));
    core::SuggestOptions options;
    options.flattenCount = std::min<std::int64_t>(4, static_cast<std::int64_t>(session->blocks.size()) / 2);
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
    spectra.selectBlocks({0, static_cast<qint64>(session->blocks.size()) / 2,
                          static_cast<qint64>(session->blocks.size()) - 1});
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
    data.dense.explainedVariance = ExplainedVariance(session->blocks[10 % session->blocks.size()].attnInput.eigenvalues).cumulative();
    data.dense.generation = QStringLiteral("The history of the city begins in the 12th century, when ...");
    data.compressed = data.dense;
    data.compressed.label = QStringLiteral("4 pairs flattened");
    data.compressed.parameters = 116'816'064;
    data.compressed.layers = data.dense.layers - 4;
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
