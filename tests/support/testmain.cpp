// SPDX-License-Identifier: GPL-3.0-or-later
// GoogleTest main for the core and e2e test binaries (instead of gtest_main): ctest runs one process per suite
// (tests/cmake/FlatsliceSuiteTests.cmake), and a process whose every selected test skipped exits with
// kAllSkippedExitCode so that ctest reports the suite as skipped, not passed. A failure still exits 1.
#include <gtest/gtest.h>

#include "testsupport.h"

int main(int argc, char** argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    const int status = RUN_ALL_TESTS();
    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    if (status == 0 && unit.test_to_run_count() > 0 && unit.skipped_test_count() == unit.test_to_run_count())
        return flatslice::test::kAllSkippedExitCode;
    return status;
}
