// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include "testsupport.h"
#include "util/sha256.h"

using flatslice::core::sha256File;
using flatslice::core::sha256Hex;

TEST(Sha256, MatchesFipsVectors)
{
    EXPECT_EQ(sha256Hex(std::string()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex(std::string("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256Hex(std::string("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256Hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileDigestEqualsBytesDigest)
{
    flatslice::test::ScratchDir scratch;
    const std::string text(200, 'x');
    flatslice::test::writeFile(scratch / "f", text);
    EXPECT_EQ(sha256File(scratch / "f"), sha256Hex(text));
}
