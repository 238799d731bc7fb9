// SPDX-License-Identifier: GPL-3.0-or-later
// The four centre views on a synthetic session (exact expectations) and on a real session file written by
// `flatslice analyze` on tests/data/tiny-llama: plots carry data, clicks and drags emit the plan edits.
#include <QApplication>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <filesystem>

#include "analysis/sessionfile.h"
#include "plot/explainedvariance.h"
#include "syntheticsession.h"
#include "views/compareview.h"
#include "views/hintpanel.h"
#include "views/importanceview.h"
#include "views/similarityview.h"
#include "views/spectraview.h"

using namespace flatslice;
using namespace flatslice::ui;

namespace {

// Shows `view` at a fixed size and lets the plots lay themselves out, so axis mappings are final.
void showAndSettle(QWidget& view)
{
    view.resize(1200, 800);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    QApplication::processEvents();
    if (auto* similarity = qobject_cast<SimilarityView*>(&view))
        for (QCustomPlot* plot : similarity->plots())
            plot->replot();
}

void replotAll(const QList<QCustomPlot*>& plots)
{
    for (QCustomPlot* plot : plots)
        plot->replot();
}

int itemsNamed(QCustomPlot* plot, const QString& name)
{
    int n = 0;
    for (int i = 0; i < plot->itemCount(); ++i)
        n += plot->item(i)->objectName() == name ? 1 : 0;
    return n;
}

int dataPoints(QCustomPlot* plot)
{
    int n = 0;
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable* p = plot->plottable(i);
        if (auto* g = qobject_cast<QCPGraph*>(p))
            n += g->dataCount();
        else if (auto* b = qobject_cast<QCPBars*>(p))
            n += b->dataCount();
        else if (auto* m = qobject_cast<QCPColorMap*>(p))
            n += m->data()->keySize() * m->data()->valueSize();
    }
    return n;
}

QCPColorMap* colorMapOf(QCustomPlot* plot)
{
    for (int i = 0; i < plot->plottableCount(); ++i)
        if (auto* m = qobject_cast<QCPColorMap*>(plot->plottable(i)))
            return m;
    return nullptr;
}

void expectEveryPlotHasData(const QList<QCustomPlot*>& plots)
{
    for (QCustomPlot* plot : plots) {
        EXPECT_GT(dataPoints(plot), 0) << plot->objectName().toStdString();
        QCPAxis* x = plot->axisRect()->axis(QCPAxis::atBottom);
        QCPAxis* y = plot->axisRect()->axis(QCPAxis::atLeft);
        EXPECT_GT(x->range().size(), 0.0) << plot->objectName().toStdString();
        EXPECT_GT(y->range().size(), 0.0) << plot->objectName().toStdString();
        EXPECT_TRUE(std::isfinite(x->range().lower) && std::isfinite(x->range().upper));
        EXPECT_TRUE(std::isfinite(y->range().lower) && std::isfinite(y->range().upper));
    }
}

core::Plan planWith(std::vector<std::vector<std::int64_t>> flatten, std::vector<std::int64_t> drop)
{
    core::Plan plan;
    plan.flatten = std::move(flatten);
    plan.drop = std::move(drop);
    return plan;
}

} // namespace

// ---- Similarity ---------------------------------------------------------------------------------------------

TEST(SimilarityView, DrawsTheCurveAndACrispMatrixWithRowZeroAtTheTop)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    ASSERT_EQ(view.plots().size(), 2);
    expectEveryPlotHasData(view.plots());
    QCustomPlot* curve = view.plots()[0];
    auto* graph = qobject_cast<QCPGraph*>(curve->plottable(1));
    ASSERT_NE(graph, nullptr);
    EXPECT_EQ(graph->dataCount(), 6);
    EXPECT_DOUBLE_EQ(graph->data()->at(2)->value, 0.99);
    QCPColorMap* map = colorMapOf(view.plots()[1]);
    ASSERT_NE(map, nullptr);
    EXPECT_FALSE(map->interpolate());
    EXPECT_EQ(map->data()->keySize(), 7);
    EXPECT_EQ(map->data()->valueSize(), 7);
    EXPECT_DOUBLE_EQ(map->data()->cell(3, 2), 0.99); // (column 3, row 2)
    EXPECT_NE(map->colorScale(), nullptr);
    EXPECT_TRUE(map->valueAxis()->rangeReversed());
    // Row 0 is drawn above row 6.
    const HeatmapGeometry g = view.heatmapGeometry();
    EXPECT_LT(g.centreOf({0, 0}).y(), g.centreOf({6, 0}).y());
    EXPECT_LT(g.centreOf({0, 0}).x(), g.centreOf({0, 6}).x());
}

TEST(SimilarityView, ClickingAnAdjacentCellTogglesThatPair)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    QSignalSpy toggled(&view, &SimilarityView::flattenPairToggled);
    QCustomPlot* heatmap = view.plots()[1];
    const HeatmapGeometry g = view.heatmapGeometry();
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, g.centreOf({2, 3}).toPoint());
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, g.centreOf({4, 3}).toPoint());
    ASSERT_EQ(toggled.count(), 2);
    EXPECT_EQ(toggled[0][0].toLongLong(), 2);
    EXPECT_EQ(toggled[1][0].toLongLong(), 3);
}

TEST(SimilarityView, NonAdjacentCellsAndTheLastBlocksOwnCellDoNothing)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    QSignalSpy toggled(&view, &SimilarityView::flattenPairToggled);
    const HeatmapGeometry g = view.heatmapGeometry();
    QCustomPlot* heatmap = view.plots()[1];
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, g.centreOf({2, 4}).toPoint());
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, g.centreOf({3, 3}).toPoint());
    QTest::mouseClick(heatmap, Qt::LeftButton, {}, g.centreOf({5, 6}).toPoint()); // block 5 has no successor
    EXPECT_EQ(toggled.count(), 0);
}

TEST(SimilarityView, ClickingACurvePointTogglesThePairStartingThere)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    QSignalSpy toggled(&view, &SimilarityView::flattenPairToggled);
    QCustomPlot* curve = view.plots()[0];
    const AxisMapping x = view.curveBlockAxis();
    const int y = curve->axisRect()->center().y();
    QTest::mouseClick(curve, Qt::LeftButton, {}, QPoint(static_cast<int>(x.toPixel(4.0)), y));
    QTest::mouseClick(curve, Qt::LeftButton, {}, QPoint(static_cast<int>(x.toPixel(5.0)), y)); // last block
    ASSERT_EQ(toggled.count(), 1);
    EXPECT_EQ(toggled[0][0].toLongLong(), 4);
}

TEST(SimilarityView, HoverReadsOutTheCell)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    const QPoint at = view.heatmapGeometry().centreOf({1, 4}).toPoint();
    QMouseEvent move(QEvent::MouseMove, at, view.plots()[1]->mapToGlobal(at), Qt::NoButton, Qt::NoButton,
                     Qt::NoModifier);
    QApplication::sendEvent(view.plots()[1], &move);
    EXPECT_EQ(view.statusText(), QStringLiteral("depth 1 vs depth 4: cos = 0.8700"));
}

TEST(SimilarityView, SetPlanMarksFlattenedPairsAndDroppedBlocksAndClearsThem)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    view.setPlan(planWith({{2, 3}}, {5}));
    QCustomPlot* curve = view.plots()[0];
    QCustomPlot* heatmap = view.plots()[1];
    EXPECT_EQ(itemsNamed(curve, QStringLiteral("flatten-mark")), 1);
    EXPECT_EQ(itemsNamed(curve, QStringLiteral("drop-mark")), 1);
    EXPECT_EQ(itemsNamed(heatmap, QStringLiteral("flatten-mark")), 2); // both symmetric cells
    EXPECT_EQ(itemsNamed(heatmap, QStringLiteral("drop-mark")), 1);
    view.setPlan(core::Plan{});
    EXPECT_EQ(itemsNamed(curve, QStringLiteral("flatten-mark")), 0);
    EXPECT_EQ(itemsNamed(heatmap, QStringLiteral("drop-mark")), 0);
}

TEST(SimilarityView, ANullSessionClearsThePlots)
{
    SimilarityView view;
    view.setSession(uitest::syntheticSession());
    view.setSession(nullptr);
    for (QCustomPlot* plot : view.plots())
        EXPECT_EQ(plot->plottableCount(), 0);
    view.setPlan(planWith({{0, 1}}, {}));
}

// ---- Spectra --------------------------------------------------------------------------------------------------

TEST(SpectraView, GlobalShowsEveryBlockAndTheirMeanOnALogScale)
{
    SpectraView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    expectEveryPlotHasData(view.plots());
    EXPECT_TRUE(view.selectedBlocks().isEmpty());
    QCustomPlot* eigen = view.plots()[0];
    QCustomPlot* cumulative = view.plots()[1];
    EXPECT_EQ(eigen->axisRect()->axis(QCPAxis::atLeft)->scaleType(), QCPAxis::stLogarithmic);
    EXPECT_EQ(eigen->graphCount(), 6);
    EXPECT_EQ(cumulative->graphCount(), 7);
    EXPECT_GT(eigen->axisRect()->axis(QCPAxis::atLeft)->range().lower, 0.0);
    EXPECT_EQ(view.keepWidth(), 64); // no plan: full width
}

TEST(SpectraView, DraggingTheLineEmitsTheWidthUnderTheCursorOnRelease)
{
    SpectraView view;
    view.setSession(uitest::syntheticSession());
    view.selectBlocks({2});
    showAndSettle(view);
    QCustomPlot* plot = view.plots()[1];
    QSignalSpy requested(&view, &SpectraView::sliceWidthRequested);
    const AxisMapping x = view.widthAxis(1);
    const int y = plot->axisRect()->center().y();
    QTest::mousePress(plot, Qt::LeftButton, {}, QPoint(static_cast<int>(x.toPixel(16.0)), y));
    EXPECT_EQ(view.keepWidth(), 16);
    QTest::mouseMove(plot, QPoint(static_cast<int>(x.toPixel(30.0)), y));
    EXPECT_EQ(view.keepWidth(), 32); // snapped to the default rounding of 8
    EXPECT_EQ(requested.count(), 0) << "nothing is requested before the release";
    QTest::mouseRelease(plot, Qt::LeftButton, {}, QPoint(static_cast<int>(x.toPixel(40.0)), y));
    ASSERT_EQ(requested.count(), 1);
    EXPECT_EQ(requested[0][0].toLongLong(), 2);
    EXPECT_EQ(requested[0][1].toLongLong(), 40);
    const double kept = ExplainedVariance(uitest::syntheticSession()->blocks[2].attnInput.eigenvalues).fractionAt(40);
    EXPECT_TRUE(view.readoutText().contains(
        QStringLiteral("keeping 40 of 64 dimensions keeps block 2: %1%").arg(kept * 100.0, 0, 'f', 2)))
        << view.readoutText().toStdString();
}

TEST(SpectraView, GlobalDragRequestsLayerMinusOneAndSeveralBlocksRequestEach)
{
    SpectraView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    QCustomPlot* plot = view.plots()[0]; // the eigenvalue plot drags too
    QSignalSpy requested(&view, &SpectraView::sliceWidthRequested);
    const int y = plot->axisRect()->center().y();
    QTest::mouseClick(plot, Qt::LeftButton, {}, QPoint(static_cast<int>(view.widthAxis(0).toPixel(24.0)), y));
    ASSERT_EQ(requested.count(), 1);
    EXPECT_EQ(requested[0][0].toLongLong(), -1);
    EXPECT_EQ(requested[0][1].toLongLong(), 24);
    view.selectBlocks({1, 4});
    QTest::mouseClick(plot, Qt::LeftButton, {}, QPoint(static_cast<int>(view.widthAxis(0).toPixel(48.0)), y));
    ASSERT_EQ(requested.count(), 3);
    EXPECT_EQ(requested[1][0].toLongLong(), 1);
    EXPECT_EQ(requested[2][0].toLongLong(), 4);
    EXPECT_EQ(requested[2][1].toLongLong(), 48);
}

TEST(SpectraView, SetPlanShowsThePlansWidth)
{
    SpectraView view;
    view.setSession(uitest::syntheticSession());
    core::Plan plan;
    core::SlicePlan slice;
    slice.ratio = 0.25;
    plan.slice = slice;
    view.setPlan(plan);
    EXPECT_EQ(view.planWidth(), 48); // int(0.75 x 64) = 48, a multiple of 8
    EXPECT_EQ(view.keepWidth(), 48);
    EXPECT_TRUE(view.readoutText().contains(QStringLiteral("Plan: 48.")));
    // Per-layer dims index result layers: flattening (0, 1) makes block 3 the third layer.
    core::Plan perLayer = planWith({{0, 1}}, {});
    core::SlicePlan dims;
    dims.dims = {{64, 64}, {56, 56}, {40, 48}, {64, 64}, {64, 64}};
    perLayer.slice = dims;
    view.setPlan(perLayer);
    view.selectBlocks({3});
    EXPECT_EQ(view.planWidth(), 40);
    view.setSignal(SpectraView::Signal::MlpInput);
    EXPECT_EQ(view.planWidth(), 48);
    view.selectBlocks({});
    EXPECT_EQ(view.planWidth(), -1) << "global has no single width with per-layer dims";
}

// ---- Importance -----------------------------------------------------------------------------------------------

TEST(ImportanceView, DrawsHeadsByBlocksAndTheChosenBlocksChannels)
{
    ImportanceView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    expectEveryPlotHasData(view.plots());
    QCPColorMap* map = colorMapOf(view.plots()[0]);
    ASSERT_NE(map, nullptr);
    EXPECT_EQ(map->data()->keySize(), 6);           // blocks
    EXPECT_EQ(map->data()->valueSize(), 4);         // heads
    EXPECT_DOUBLE_EQ(map->data()->cell(4, 2), 2.2); // block 4, head 2: 6 - 4 + 0.2
    view.setChannelBlock(5);
    auto* channels = qobject_cast<QCPGraph*>(view.plots()[1]->plottable(0));
    ASSERT_NE(channels, nullptr);
    EXPECT_EQ(channels->dataCount(), 24);
    EXPECT_GE(channels->data()->at(0)->value, channels->data()->at(23)->value) << "sorted, largest first";
}

TEST(ImportanceView, PreviewsWhatFlatteningTheMostSimilarPairKeeps)
{
    ImportanceView view;
    view.setSession(uitest::syntheticSession());
    EXPECT_EQ(view.pair(), 2);
    // Wide KV groups: block 2 (6.1, 8.5), block 3 (8.1, 6.5): keep b2 g1 and b3 g0; channels split 12 / 12.
    EXPECT_TRUE(view.previewText().contains(QStringLiteral("keeps 2 of 4 KV groups (b2 g1, b3 g0)")))
        << view.previewText().toStdString();
    EXPECT_TRUE(view.previewText().contains(QStringLiteral("12 from block 2, 12 from block 3")));
    QCustomPlot* groups = view.plots()[2];
    ASSERT_EQ(groups->plottableCount(), 2);
    EXPECT_EQ(qobject_cast<QCPBars*>(groups->plottable(0))->dataCount(), 2); // kept
    EXPECT_EQ(qobject_cast<QCPBars*>(groups->plottable(1))->dataCount(), 2); // pruned
    EXPECT_EQ(dataPoints(view.plots()[3]), 48);
}

TEST(ImportanceView, SetPlanMarksGroupsAndPicksThePlansPair)
{
    ImportanceView view;
    view.setSession(uitest::syntheticSession());
    view.setPlan(planWith({{4, 5}}, {0}));
    EXPECT_EQ(view.pair(), 4);
    EXPECT_EQ(itemsNamed(view.plots()[0], QStringLiteral("flatten-mark")), 1);
    EXPECT_EQ(itemsNamed(view.plots()[0], QStringLiteral("drop-mark")), 1);
    QSignalSpy toggled(&view, &ImportanceView::flattenPairToggled);
    view.setPair(1);
    auto* button = view.findChild<QPushButton*>();
    ASSERT_NE(button, nullptr);
    button->click();
    ASSERT_EQ(toggled.count(), 1);
    EXPECT_EQ(toggled[0][0].toLongLong(), 1);
    view.setPlan(planWith({{2, 3}}, {}));
    EXPECT_EQ(view.pair(), 1) << "a pair the user chose stays";
}

TEST(ImportanceView, ClickingAHeatmapColumnShowsThatBlocksChannels)
{
    ImportanceView view;
    view.setSession(uitest::syntheticSession());
    showAndSettle(view);
    replotAll(view.plots());
    QTest::mouseClick(view.plots()[0], Qt::LeftButton, {}, view.heatmapGeometry().centreOf({1, 3}).toPoint());
    EXPECT_EQ(view.channelBlock(), 3);
}

// ---- Compare --------------------------------------------------------------------------------------------------

TEST(CompareView, ShowsFiguresWithRatiosBarsOverlaysAndGenerations)
{
    ComparisonData data;
    data.dense = {QStringLiteral("dense"),
                  1000,
                  6,
                  10.0,
                  200.0,
                  50.0,
                  std::vector<double>{0.9, 0.95, 0.99, 0.93, 0.9, 0.8},
                  std::vector<double>{0.0, 0.5, 0.8, 1.0},
                  QStringLiteral("The cat sat on the mat.")};
    data.compressed = {QStringLiteral("flattened"),
                       750,
                       5,
                       12.5,
                       250.0,
                       std::nullopt,
                       std::vector<double>{0.9, 0.95, 0.93, 0.9, 0.8},
                       std::vector<double>{0.0, 0.4, 0.7, 1.0},
                       QStringLiteral("The cat sat.")};
    data.prompt = QStringLiteral("The cat");
    CompareView view;
    view.setSession(uitest::syntheticSession());
    view.setPlan(planWith({{2, 3}}, {}));
    view.setComparison(data);
    const QTableWidget* table = view.table();
    EXPECT_EQ(table->item(0, 0)->text(), QStringLiteral("1,000"));
    EXPECT_EQ(table->item(0, 2)->text(), QStringLiteral("75.0%"));
    EXPECT_EQ(table->item(2, 2)->text(), QStringLiteral("125.0%"));
    EXPECT_EQ(table->item(3, 2)->text(), QStringLiteral("125.0%"));
    EXPECT_EQ(table->item(4, 1)->text(), QStringLiteral("-"));
    EXPECT_EQ(table->item(4, 2)->text(), QStringLiteral("-"));
    expectEveryPlotHasData(view.plots());
    EXPECT_EQ(qobject_cast<QCPBars*>(view.plots()[0]->plottable(0))->dataCount(), 4); // decode has no ratio
    ASSERT_EQ(view.plots()[1]->graphCount(), 2);
    // The compressed layers sit at their first original block: 0, 1, 2 (the group 2+3), 4, 5.
    EXPECT_DOUBLE_EQ(view.plots()[1]->graph(1)->data()->at(3)->key, 4.0);
    EXPECT_EQ(view.plots()[2]->graphCount(), 2);
    const auto* denseText = view.findChild<QPlainTextEdit*>(QStringLiteral("dense-generation"));
    const auto* compressedText = view.findChild<QPlainTextEdit*>(QStringLiteral("compressed-generation"));
    ASSERT_TRUE(denseText && compressedText);
    EXPECT_EQ(denseText->toPlainText(), QStringLiteral("The cat sat on the mat."));
    EXPECT_EQ(compressedText->toPlainText(), QStringLiteral("The cat sat."));
}

TEST(CompareView, WithoutAComparisonTheSessionGivesTheDenseCurve)
{
    CompareView view;
    view.setSession(uitest::syntheticSession());
    EXPECT_EQ(view.plots()[1]->graphCount(), 1);
    EXPECT_EQ(view.plots()[1]->graph(0)->dataCount(), 6);
}

// ---- Common contract ------------------------------------------------------------------------------------------

TEST(Views, EachHasACollapsibleHintThatMatchesHint)
{
    SimilarityView similarity;
    SpectraView spectra;
    ImportanceView importance;
    CompareView compare;
    const QList<std::pair<QWidget*, QString>> views = {{&similarity, similarity.hint()},
                                                       {&spectra, spectra.hint()},
                                                       {&importance, importance.hint()},
                                                       {&compare, compare.hint()}};
    for (const auto& [view, hint] : views) {
        auto* panel = view->findChild<HintPanel*>();
        ASSERT_NE(panel, nullptr);
        EXPECT_EQ(panel->text(), hint);
        EXPECT_TRUE(hint.contains(QStringLiteral("What am I looking at?")));
        EXPECT_TRUE(panel->isExpanded());
        panel->setExpanded(false);
        EXPECT_FALSE(panel->isExpanded());
    }
}

TEST(Views, RenderARealSessionWrittenByFlatsliceAnalyze)
{
    const auto session = std::make_shared<const core::AnalysisResult>(
        core::readSession(uitest::tinyLlamaSessionPath().toStdString()));
    ASSERT_GE(session->blocks.size(), 2u);
    SimilarityView similarity;
    SpectraView spectra;
    ImportanceView importance;
    CompareView compare;
    similarity.setSession(session);
    spectra.setSession(session);
    importance.setSession(session);
    compare.setSession(session);
    const core::Plan plan = planWith({{0, 1}}, {});
    similarity.setPlan(plan);
    spectra.setPlan(plan);
    importance.setPlan(plan);
    compare.setPlan(plan);
    expectEveryPlotHasData(similarity.plots());
    expectEveryPlotHasData(spectra.plots());
    expectEveryPlotHasData(importance.plots());
    EXPECT_GT(dataPoints(compare.plots()[1]), 0);
    EXPECT_FALSE(importance.previewText().isEmpty());
}
