// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "model/torchbridge.h"

using namespace flatslice::core;

TEST(TorchBridge, SharesTheBytesWithoutCopying)
{
    TensorView view = makeOwnedF32("w", {2, 3}, {1, 2, 3, 4, 5, 6});
    const torch::Tensor t = toTorch(view);
    EXPECT_EQ(t.data_ptr(), static_cast<const void*>(view.bytes.data()));
    EXPECT_EQ(t.sizes(), (std::vector<std::int64_t>{2, 3}));
    EXPECT_FLOAT_EQ(t[1][2].item<float>(), 6.0f);
}

TEST(TorchBridge, TensorKeepsItsOwnerAlive)
{
    torch::Tensor t;
    std::weak_ptr<const void> watch;
    {
        TensorView view = makeOwnedF32("w", {4}, {1, 2, 3, 4});
        watch = view.owner;
        t = toTorch(view);
    }
    EXPECT_FALSE(watch.expired());
    EXPECT_FLOAT_EQ(t.sum().item<float>(), 10.0f);
    t = torch::Tensor();
    EXPECT_TRUE(watch.expired());
}

TEST(TorchBridge, MisalignedBytesAreCopied)
{
    auto storage = std::make_shared<std::vector<std::byte>>(4 * 2 + 1);
    const float values[2] = {1.5f, -2.5f};
    std::memcpy(storage->data() + 1, values, sizeof values);
    TensorView view;
    view.name = "odd";
    view.dtype = DType::F32;
    view.shape = {2};
    view.bytes = std::span<const std::byte>(storage->data() + 1, 8);
    view.owner = storage;
    const torch::Tensor t = toTorch(view);
    EXPECT_NE(t.data_ptr(), static_cast<const void*>(view.bytes.data()));
    EXPECT_FLOAT_EQ(t[1].item<float>(), -2.5f);
}
