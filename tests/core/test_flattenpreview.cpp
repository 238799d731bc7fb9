// SPDX-License-Identifier: GPL-3.0-or-later
// core::previewFlatten: FlattenGPT's keep sets read from a session's scores (no model, no torch).
#include <gtest/gtest.h>

#include "compress/flattenpreview.h"
#include "util/error.h"

using namespace flatslice::core;

namespace {

// 4 blocks, 4 query heads in 2 KV groups (2 heads each), 3 MLP channels.
AnalysisResult analysis()
{
    AnalysisResult r;
    r.config.numLayers = 4;
    r.config.numHeads = 4;
    r.config.numKvHeads = 2;
    r.config.intermediateSize = 3;
    r.config.hiddenSize = 8;
    for (int b = 0; b < 4; ++b) {
        BlockAnalysis a;
        a.headScore = {1.0, 1.0, 2.0, 2.0};        // groups: 2, 4
        a.headContribution = {5.0, 5.0, 0.5, 0.5}; // groups: 10, 1
        a.channelScore = {0.9, 0.1, 0.5};
        r.blocks.push_back(a);
    }
    r.blocks[2].headScore = {3.0, 0.5, 0.0, 0.1}; // groups: 3.5, 0.1
    r.blocks[2].channelScore = {0.2, 0.95, 0.6};
    return r;
}

} // namespace

TEST(FlattenPreview, KeepsTheTopKvGroupsBySummedHeadScoreInOriginalOrder)
{
    const FlattenPreview p = previewFlatten(analysis(), {1, 2});
    EXPECT_EQ(p.headsPerGroup, 2);
    EXPECT_EQ(p.groupScores, (std::vector<double>{2.0, 4.0, 3.5, 0.1}));
    EXPECT_EQ(p.keptKvGroups, (std::vector<std::int64_t>{1, 2})); // block 1's group 1, block 2's group 0
    EXPECT_EQ(p.keptGroupsPerBlock, (std::vector<std::int64_t>{1, 1}));
}

TEST(FlattenPreview, TheContributionScoreCanChooseOtherGroups)
{
    const FlattenPreview p = previewFlatten(analysis(), {0, 1}, HeadScore::Contribution);
    EXPECT_EQ(p.groupScores, (std::vector<double>{10.0, 1.0, 10.0, 1.0}));
    EXPECT_EQ(p.keptKvGroups, (std::vector<std::int64_t>{0, 2}));
}

TEST(FlattenPreview, TiesGoToTheLowerWideIndex)
{
    const FlattenPreview p = previewFlatten(analysis(), {0, 1}); // groups 2, 4, 2, 4
    EXPECT_EQ(p.keptKvGroups, (std::vector<std::int64_t>{1, 3}));
    EXPECT_EQ(p.keptChannels, (std::vector<std::int64_t>{0, 2, 3})); // 0.9, 0.5 | 0.9 (tie: lower first), 0.5
}

TEST(FlattenPreview, PoolsChannelScoresAndCountsWhatEachBlockKeeps)
{
    const FlattenPreview p = previewFlatten(analysis(), {1, 2});
    EXPECT_EQ(p.channelScores, (std::vector<double>{0.9, 0.1, 0.5, 0.2, 0.95, 0.6}));
    EXPECT_EQ(p.keptChannels, (std::vector<std::int64_t>{0, 4, 5}));
    EXPECT_EQ(p.keptChannelsPerBlock, (std::vector<std::int64_t>{1, 2}));
}

TEST(FlattenPreview, GroupsOfThreeKeepOneLayersWorth)
{
    const FlattenPreview p = previewFlatten(analysis(), {1, 2, 3});
    EXPECT_EQ(p.groupScores.size(), 6u);
    EXPECT_EQ(p.keptKvGroups.size(), 2u);
    EXPECT_EQ(p.keptChannels.size(), 3u);
    EXPECT_EQ(p.keptChannelsPerBlock.size(), 3u);
}

TEST(FlattenPreview, ASessionWithoutChannelScoresPreviewsHeadsOnly)
{
    AnalysisResult a = analysis();
    a.blocks[1].channelScore.clear();
    const FlattenPreview p = previewFlatten(a, {1, 2});
    EXPECT_EQ(p.keptKvGroups.size(), 2u);
    EXPECT_TRUE(p.channelScores.empty());
    EXPECT_TRUE(p.keptChannels.empty());
}

TEST(FlattenPreview, RejectsMalformedGroupsWithAReason)
{
    const AnalysisResult a = analysis();
    EXPECT_THROW(previewFlatten(a, {1}), Error);
    EXPECT_THROW(previewFlatten(a, {1, 3}), Error);
    EXPECT_THROW(previewFlatten(a, {3, 4}), Error);
    AnalysisResult bad = analysis();
    bad.blocks[0].headScore.pop_back();
    try {
        previewFlatten(bad, {0, 1});
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("block 0 has 3 head scores"), std::string::npos) << e.what();
    }
}
