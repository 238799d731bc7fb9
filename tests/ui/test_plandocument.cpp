// SPDX-License-Identifier: GPL-3.0-or-later
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QUndoStack>
#include <gtest/gtest.h>

#include "plan/plandocument.h"
#include "plan/slicetablemodel.h"
#include "uitestsupport.h"
#include "util/error.h"

using flatslice::ui::PlanDocument;
using flatslice::ui::SliceTableModel;
using Groups = std::vector<std::vector<std::int64_t>>;

namespace {
struct SixBlocks : ::testing::Test {
    SixBlocks() { document.setModel(flatslice::uitest::syntheticConfig(6)); }
    PlanDocument document;
};
} // namespace

TEST_F(SixBlocks, TogglingAGapFlattensThePairAndTogglingAgainUndoesIt)
{
    QSignalSpy changed(&document, &PlanDocument::planChanged);
    document.toggleFlattenPair(2);
    EXPECT_EQ(document.plan().flatten, (Groups{{2, 3}}));
    EXPECT_EQ(document.estimate()->compressed.layers, 5);
    document.toggleFlattenPair(2);
    EXPECT_TRUE(document.plan().flatten.empty());
    EXPECT_EQ(changed.count(), 2);
}

TEST_F(SixBlocks, AdjacentLinksBuildOneGroupAndSplittingKeepsTheRest)
{
    document.toggleFlattenPair(1);
    document.toggleFlattenPair(2);
    EXPECT_EQ(document.plan().flatten, (Groups{{1, 2, 3}}));
    document.toggleFlattenPair(1); // split 1 | 2+3
    EXPECT_EQ(document.plan().flatten, (Groups{{2, 3}}));
}

TEST_F(SixBlocks, DroppingABlockTakesItOutOfItsGroupAndFlatteningTakesItOutOfTheDrops)
{
    document.toggleFlattenPair(0);
    document.toggleDrop(1);
    EXPECT_TRUE(document.plan().flatten.empty());
    EXPECT_EQ(document.plan().drop, (std::vector<std::int64_t>{1}));
    document.toggleFlattenPair(1);
    EXPECT_TRUE(document.plan().drop.empty());
    EXPECT_EQ(document.plan().flatten, (Groups{{1, 2}}));
}

TEST_F(SixBlocks, AnEditThatLeavesNoLayerIsRefusedAndKeepsThePlan)
{
    for (int b = 0; b < 5; ++b)
        document.toggleDrop(b);
    QSignalSpy rejected(&document, &PlanDocument::editRejected);
    document.toggleDrop(5);
    EXPECT_EQ(rejected.count(), 1);
    EXPECT_EQ(document.plan().drop.size(), 5u);
}

TEST_F(SixBlocks, EveryEditIsOneUndoStepAndSliderDragsMergeIntoOne)
{
    const auto dense = document.estimate()->compressed.params.total();
    document.toggleFlattenPair(4);
    document.setSliceRatio(0.10);
    document.setSliceRatio(0.20);
    document.setSliceRatio(0.25);
    EXPECT_EQ(document.undoStack()->count(), 2);
    const auto sliced = document.estimate()->compressed.params.total();
    document.undoStack()->undo();
    EXPECT_FALSE(document.plan().slice.has_value());
    EXPECT_EQ(document.plan().flatten, (Groups{{4, 5}}));
    document.undoStack()->undo();
    EXPECT_EQ(document.estimate()->compressed.params.total(), dense);
    document.undoStack()->redo();
    document.undoStack()->redo();
    EXPECT_EQ(document.estimate()->compressed.params.total(), sliced);
}

TEST_F(SixBlocks, AGlobalSliceWidthBecomesTheRatioThatRoundsToIt)
{
    document.setSliceWidth(-1, 48);
    ASSERT_TRUE(document.plan().slice && document.plan().slice->ratio);
    EXPECT_EQ(flatslice::core::slicedWidth(64, *document.plan().slice->ratio, 8), 48);
    EXPECT_EQ(document.estimate()->widths.layers[0].in, 48);
    document.setSliceWidth(-1, 64);
    EXPECT_FALSE(document.plan().slice.has_value()) << "the full width is no slicing";
}

TEST_F(SixBlocks, ABlockSliceWidthTargetsTheResultLayerHoldingThatBlock)
{
    document.toggleFlattenPair(0); // result layers: {0,1} {2} {3} {4} {5}
    document.setSliceWidth(3, 40);
    ASSERT_TRUE(document.plan().slice.has_value());
    const auto& dims = document.plan().slice->dims;
    ASSERT_EQ(dims.size(), 5u);
    EXPECT_EQ(dims[2].attn, 40);
    EXPECT_EQ(dims[0].attn, 64);
    // A structural edit keeps the per-layer widths with their blocks.
    document.toggleFlattenPair(0);
    ASSERT_EQ(document.plan().slice->dims.size(), 6u);
    EXPECT_EQ(document.plan().slice->dims[3].attn, 40);
}

TEST_F(SixBlocks, PlanJsonRoundTripsAndABadPlanIsAnErrorThatKeepsThePlan)
{
    document.toggleFlattenPair(3);
    const std::string json = document.toJson();
    PlanDocument other;
    other.setModel(flatslice::uitest::syntheticConfig(6));
    other.loadJson(json, "plan.json");
    EXPECT_EQ(other.plan().flatten, (Groups{{3, 4}}));
    EXPECT_THROW(other.loadJson(R"({"format": "flatslice-plan", "version": 1, "flatten": [[4, 9]]})", "bad.json"),
                 flatslice::core::Error);
    EXPECT_EQ(other.plan().flatten, (Groups{{3, 4}}));
}

TEST_F(SixBlocks, SliceTableModelPassesTheModelTesterThroughEdits)
{
    SliceTableModel model(&document);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    EXPECT_EQ(model.rowCount(), 6);
    EXPECT_EQ(model.columnCount(), SliceTableModel::ColumnCount);
    document.toggleFlattenPair(1);
    EXPECT_EQ(model.rowCount(), 5);
    EXPECT_EQ(model.index(1, SliceTableModel::BlocksColumn).data().toString(), QStringLiteral("1+2"));
    document.setSliceRatio(0.25);
    EXPECT_EQ(model.index(0, SliceTableModel::AttnColumn).data().toLongLong(), 48);
    EXPECT_TRUE(model.setData(model.index(2, SliceTableModel::MlpColumn), 32));
    EXPECT_EQ(model.index(2, SliceTableModel::MlpColumn).data().toLongLong(), 32);
    EXPECT_EQ(model.index(2, SliceTableModel::AttnColumn).data().toLongLong(), 48);
    EXPECT_FALSE(model.setData(model.index(2, SliceTableModel::LayerColumn), 3));
    EXPECT_FALSE(model.setData(model.index(2, SliceTableModel::AttnColumn), QStringLiteral("wide")));
    document.undoStack()->undo();
    document.undoStack()->undo();
    document.undoStack()->undo();
    EXPECT_EQ(model.rowCount(), 6);
}
