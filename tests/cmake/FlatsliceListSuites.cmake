# SPDX-License-Identifier: GPL-3.0-or-later
# POST_BUILD step of flatslice_add_suite_tests (FlatsliceSuiteTests.cmake): runs EXECUTABLE --gtest_list_tests and
# writes OUTPUT, a CMake fragment setting `executable` and `suites` (the suites with at least one enabled test).
# Fails when a suite named in REQUIRED ('|'-separated) is not among them. ENVIRONMENT: '|'-separated VAR=value.
cmake_minimum_required(VERSION 3.25)

string(REPLACE "|" ";" required "${REQUIRED}")
string(REPLACE "|" ";" environment "${ENVIRONMENT}")

execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env ${environment} "${EXECUTABLE}" --gtest_list_tests
    OUTPUT_VARIABLE listing
    ERROR_VARIABLE errors
    RESULT_VARIABLE status
    TIMEOUT 120)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "${EXECUTABLE} --gtest_list_tests failed (${status}):\n${listing}\n${errors}")
endif()

# The listing: "Suite." (value-parameterized: "Prefix/Suite."; typed: "Prefix/Suite/0.  # TypeParam = int"), then
# one indented line per test ("  Case", "  Case/0  # GetParam() = ..."). Other unindented lines are not suites.
# Brackets and semicolons (in printed parameter values) would confuse the list split; names have neither.
string(REPLACE ";" "," listing "${listing}")
string(REPLACE "[" "(" listing "${listing}")
string(REPLACE "]" ")" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(suites "")
set(suite "")
foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Za-z_][A-Za-z0-9_/]*)\\.( .*)?$")
        set(suite "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^  ([A-Za-z_][A-Za-z0-9_/]*)" AND suite)
        # A suite counts once it has an enabled test (gtest lists DISABLED_ ones too).
        if(NOT CMAKE_MATCH_1 MATCHES "^DISABLED_" AND NOT suite MATCHES "(^|/)DISABLED_" AND
           NOT suite IN_LIST suites)
            list(APPEND suites "${suite}")
        endif()
    elseif(NOT line MATCHES "^ ")
        set(suite "")
    endif()
endforeach()
if(NOT suites)
    message(FATAL_ERROR "${EXECUTABLE} --gtest_list_tests listed no suites:\n${listing}\n${errors}")
endif()
foreach(name IN LISTS required)
    if(NOT name IN_LIST suites)
        message(FATAL_ERROR "suite '${name}' is labelled in tests/CMakeLists.txt but ${EXECUTABLE} has no such "
                            "suite with enabled tests; its suites: ${suites}")
    endif()
endforeach()

list(LENGTH suites count)
file(WRITE "${OUTPUT}"
     "# ${count} suites of ${EXECUTABLE}, listed after its build by tests/cmake/FlatsliceListSuites.cmake.\n"
     "set(executable [==[${EXECUTABLE}]==])\n"
     "set(suites [==[${suites}]==])\n")
