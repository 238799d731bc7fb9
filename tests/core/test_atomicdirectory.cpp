// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include "format/atomicdirectory.h"
#include "testsupport.h"
#include "util/error.h"

using namespace flatslice::core;
namespace fs = std::filesystem;

TEST(AtomicDirectory, AppearsOnlyAfterCommit)
{
    flatslice::test::ScratchDir scratch;
    const fs::path target = scratch / "out";
    {
        AtomicDirectory dir(target, false);
        dir.writeText("a.txt", "hello");
        EXPECT_FALSE(fs::exists(target));
        dir.commit();
    }
    EXPECT_EQ(flatslice::test::readFile(target / "a.txt"), "hello");
}

TEST(AtomicDirectory, AbandonedStagingLeavesNothing)
{
    flatslice::test::ScratchDir scratch;
    const fs::path target = scratch / "out";
    {
        AtomicDirectory dir(target, false);
        dir.writeText("a.txt", "partial");
    }
    EXPECT_FALSE(fs::exists(target));
    EXPECT_TRUE(fs::is_empty(scratch.path()));
}

TEST(AtomicDirectory, RefusesExistingTargetWithoutOverwrite)
{
    flatslice::test::ScratchDir scratch;
    fs::create_directory(scratch / "out");
    EXPECT_THROW(AtomicDirectory(scratch / "out", false), Error);
}

TEST(AtomicDirectory, OverwriteReplacesAtCommit)
{
    flatslice::test::ScratchDir scratch;
    const fs::path target = scratch / "out";
    fs::create_directory(target);
    flatslice::test::writeFile(target / "old.txt", std::string("old"));
    AtomicDirectory dir(target, true);
    dir.writeText("new.txt", "new");
    EXPECT_TRUE(fs::exists(target / "old.txt")); // untouched until commit
    dir.commit();
    EXPECT_FALSE(fs::exists(target / "old.txt"));
    EXPECT_EQ(flatslice::test::readFile(target / "new.txt"), "new");
}
