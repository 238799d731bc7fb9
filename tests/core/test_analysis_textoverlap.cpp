// SPDX-License-Identifier: GPL-3.0-or-later
// Protocol hygiene: does the calibration text contain passages of the evaluation text?
#include <gtest/gtest.h>

#include <string>

#include "analysis/textoverlap.h"

using namespace flatslice::core;

namespace {

const std::string kArticle =
    "Robert Boulter is an English film, television and theatre actor. He had a guest starring role on the "
    "television series The Bill in 2000. This was followed by a starring role in the play Herons written by Simon "
    "Stephens, which was performed in 2001 at the Royal Court Theatre.";
const std::string kOther =
    "Homarus gammarus, known as the European lobster or common lobster, is a species of clawed lobster from the "
    "eastern Atlantic Ocean, Mediterranean Sea and parts of the Black Sea. It is closely related to the American "
    "lobster.";

} // namespace

TEST(TextOverlap, SameTextOverlapsCompletely)
{
    const TextOverlap o = measureTextOverlap(kArticle, kArticle);
    EXPECT_GT(o.checked, 10);
    EXPECT_EQ(o.shared, o.checked);
    EXPECT_DOUBLE_EQ(o.fraction(), 1.0);
}

TEST(TextOverlap, UnrelatedTextsDoNotOverlap)
{
    const TextOverlap o = measureTextOverlap(kOther, kArticle);
    EXPECT_GT(o.checked, 10);
    EXPECT_EQ(o.shared, 0);
}

TEST(TextOverlap, LineEndingsAndBlankRunsDoNotHideACopy)
{
    std::string crlf;
    for (const char c : kArticle)
        crlf += c == ' ' ? std::string(" \r\n  ") : std::string(1, c);
    EXPECT_DOUBLE_EQ(measureTextOverlap(crlf, kArticle).fraction(), 1.0);
}

TEST(TextOverlap, AnEmbeddedPassageIsFound)
{
    // Calibration = other text + the article: about half its passages come from the evaluation text.
    const TextOverlap o = measureTextOverlap(kOther + " " + kArticle, kArticle);
    EXPECT_GT(o.fraction(), 0.3);
    EXPECT_LT(o.fraction(), 0.7);
}

TEST(TextOverlap, TextsShorterThanAShingleAreNotChecked)
{
    const TextOverlap o = measureTextOverlap("short", kArticle);
    EXPECT_EQ(o.checked, 0);
    EXPECT_EQ(o.fraction(), 0.0);
}
