// SPDX-License-Identifier: GPL-3.0-or-later
// safetensors reader, sharded index and streaming writer: goldens from the Python safetensors package
// (tests/reference/make_safetensors_fixture.py), round trips, atomic writes, and one crafted file per validation rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/safetensorsfile.h"
#include "format/safetensorsindex.h"
#include "format/safetensorswriter.h"
#include "format/tensorview.h"
#include "testsupport.h"
#include "util/dtype.h"
#include "util/error.h"

using flatslice::core::DType;
using flatslice::core::Error;
using flatslice::core::SafetensorsCheckpoint;
using flatslice::core::SafetensorsFile;
using flatslice::core::TensorSpec;
using flatslice::core::TensorView;
using flatslice::core::writeSafetensors;
using flatslice::core::writeSafetensorsSharded;
using flatslice::test::ScratchDir;
namespace fs = std::filesystem;

namespace {

// Runs `action`, which must throw Error with a one-line message containing every one of `parts`.
void expectError(const std::function<void()>& action, std::initializer_list<std::string> parts)
{
    try {
        action();
    } catch (const Error& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << "message must be one line: " << message;
        for (const auto& part : parts)
            EXPECT_NE(message.find(part), std::string::npos) << "expected '" << part << "' in: " << message;
        return;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected flatslice::core::Error, got another exception: " << e.what();
        return;
    }
    ADD_FAILURE() << "expected flatslice::core::Error, nothing was thrown";
}

std::vector<unsigned char> u64le(std::uint64_t v)
{
    std::vector<unsigned char> out;
    out.reserve(8);
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<unsigned char>(v >> (8 * i)));
    return out;
}

// A file with the given header text followed by `dataBytes` bytes 0, 1, 2, ...
std::vector<unsigned char> rawSafetensors(const std::string& header, std::size_t dataBytes)
{
    auto out = u64le(header.size());
    out.insert(out.end(), header.begin(), header.end());
    for (std::size_t i = 0; i < dataBytes; ++i)
        out.push_back(static_cast<unsigned char>(i));
    return out;
}

// Writes a crafted file named `name` into `dir` and expects open() to fail naming the file and `parts`.
void expectOpenError(const ScratchDir& dir, const std::string& name, const std::vector<unsigned char>& bytes,
                     std::initializer_list<std::string> parts)
{
    const fs::path path = dir / name;
    flatslice::test::writeFile(path, bytes);
    expectError([&] { SafetensorsFile::open(path); }, {name});
    expectError([&] { SafetensorsFile::open(path); }, parts);
}

template <typename T>
TensorView ownedView(std::string name, DType dtype, std::vector<std::int64_t> shape, const std::vector<T>& values)
{
    auto storage = std::make_shared<std::vector<std::byte>>(values.size() * sizeof(T));
    if (!values.empty())
        std::memcpy(storage->data(), values.data(), storage->size());
    TensorView view;
    view.name = std::move(name);
    view.dtype = dtype;
    view.shape = std::move(shape);
    view.bytes = std::span<const std::byte>(*storage);
    view.owner = storage;
    return view;
}

// One small tensor of every dtype, with values that exercise sign, range ends and (for floats) special bits.
std::vector<TensorView> everyDtype()
{
    std::vector<unsigned short> bf16, f16;
    for (const float v : {0.0f, -0.0f, 1.0f, -2.5f, 3.140625f, 1e-3f})
        bf16.push_back(flatslice::core::floatToBf16(v));
    for (const float v : {0.0f, -0.0f, 65504.0f, -1.5f, 6.103515625e-05f, 5.9604645e-08f})
        f16.push_back(flatslice::core::floatToHalf(v));
    return {
        ownedView<double>("t.f64", DType::F64, {2, 2}, {1.0, -0.1, 1e300, -4.9e-324}),
        ownedView<float>("t.f32", DType::F32, {3}, {1.0f, -3.4028235e38f, 1.4e-45f}),
        ownedView<unsigned short>("t.bf16", DType::BF16, {2, 3}, bf16),
        ownedView<unsigned short>("t.f16", DType::F16, {3, 2}, f16),
        ownedView<std::int64_t>("t.i64", DType::I64, {3}, {INT64_MIN, -1, INT64_MAX}),
        ownedView<std::int32_t>("t.i32", DType::I32, {1, 3}, {INT32_MIN, 0, INT32_MAX}),
        ownedView<std::int16_t>("t.i16", DType::I16, {3}, {INT16_MIN, 7, INT16_MAX}),
        ownedView<std::int8_t>("t.i8", DType::I8, {4}, {-128, -1, 0, 127}),
        ownedView<std::uint8_t>("t.u8", DType::U8, {2, 2}, {0, 1, 128, 255}),
        ownedView<std::uint8_t>("t.bool", DType::Bool, {3}, {1, 0, 1}),
    };
}

bool sameBytes(std::span<const std::byte> a, std::span<const std::byte> b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

std::uint64_t headerLength(const fs::path& path)
{
    const std::string text = flatslice::test::readFile(path);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(text.at(static_cast<std::size_t>(i)));
    return n;
}

std::vector<TensorSpec> specsOf(const std::vector<TensorView>& views)
{
    std::vector<TensorSpec> specs;
    specs.reserve(views.size());
    for (const auto& v : views)
        specs.push_back({v.name, v.dtype, v.shape});
    return specs;
}

// Four F32 tensors of 16 bytes each, for sharding tests.
std::vector<TensorView> fourTensors()
{
    std::vector<TensorView> views;
    views.reserve(4);
    for (int t = 0; t < 4; ++t)
        views.push_back(ownedView<float>("layer." + std::to_string(t), DType::F32, {2, 2},
                                         {float(t), float(t) + 0.5f, -float(t), 1e-3f * float(t)}));
    return views;
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Round trips through the writer and reader

TEST(SafetensorsWriter, RoundTripsEveryDtypeWithExactValues)
{
    ScratchDir dir;
    const auto views = everyDtype();
    writeSafetensors(dir / "all.safetensors", views);
    const auto file = SafetensorsFile::open(dir / "all.safetensors");
    ASSERT_EQ(file.names().size(), views.size());
    for (const auto& want : views) {
        SCOPED_TRACE(want.name);
        const TensorView got = file.tensor(want.name);
        EXPECT_EQ(got.name, want.name);
        EXPECT_EQ(got.dtype, want.dtype);
        EXPECT_EQ(got.shape, want.shape);
        EXPECT_TRUE(sameBytes(got.bytes, want.bytes));
    }
    const auto bf16 = flatslice::core::toFloatVector(file.tensor("t.bf16"));
    EXPECT_EQ(bf16[3], -2.5f);
    EXPECT_TRUE(std::signbit(bf16[1]));
    const auto f16 = flatslice::core::toFloatVector(file.tensor("t.f16"));
    EXPECT_EQ(f16[2], 65504.0f);
    EXPECT_EQ(f16[5], 5.9604645e-08f); // the smallest half subnormal
}

TEST(SafetensorsWriter, NamesFollowSpecOrderAndOffsetsAreContiguous)
{
    ScratchDir dir;
    const auto views = everyDtype();
    writeSafetensors(dir / "all.safetensors", views);
    const auto file = SafetensorsFile::open(dir / "all.safetensors");
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < views.size(); ++i) {
        ASSERT_EQ(file.names()[i], views[i].name);
        const auto& info = file.info(views[i].name);
        EXPECT_EQ(info.begin, offset);
        offset = info.end;
    }
    EXPECT_EQ(file.dataOffset() + offset, file.fileSize());
}

TEST(SafetensorsFile, TensorViewPointsIntoTheMappedFile)
{
    ScratchDir dir;
    writeSafetensors(dir / "z.safetensors", everyDtype());
    const auto file = SafetensorsFile::open(dir / "z.safetensors");
    const auto whole = file.bytes();
    ASSERT_EQ(whole.size(), file.fileSize());
    for (const auto& name : file.names()) {
        SCOPED_TRACE(name);
        const TensorView view = file.tensor(name);
        const auto& info = file.info(name);
        EXPECT_EQ(view.bytes.data(), whole.data() + file.dataOffset() + info.begin); // no copy
        EXPECT_LE(view.bytes.data() + view.bytes.size(), whole.data() + whole.size());
    }
}

TEST(SafetensorsFile, ViewKeepsTheMappingAliveAfterTheFileHandleIsGone)
{
    ScratchDir dir;
    writeSafetensors(dir / "z.safetensors", everyDtype());
    TensorView view;
    {
        const auto file = SafetensorsFile::open(dir / "z.safetensors");
        view = file.tensor("t.i64");
    }
    std::int64_t last = 0;
    std::memcpy(&last, view.bytes.data() + 16, 8);
    EXPECT_EQ(last, INT64_MAX);
}

TEST(SafetensorsFile, CopiesShareStateAndAnswerTheSame)
{
    ScratchDir dir;
    writeSafetensors(dir / "z.safetensors", everyDtype());
    const auto file = SafetensorsFile::open(dir / "z.safetensors");
    const SafetensorsFile copy = file; // NOLINT(performance-unnecessary-copy-initialization): copying is the point
    EXPECT_EQ(copy.names(), file.names());
    EXPECT_EQ(copy.tensor("t.f32").bytes.data(), file.tensor("t.f32").bytes.data());
}

TEST(SafetensorsWriter, MetadataRoundTrips)
{
    ScratchDir dir;
    const std::map<std::string, std::string> metadata{{"format", "pt"}, {"empty", ""}, {"note", "ünïcödé \"q\""}};
    writeSafetensors(dir / "m.safetensors", everyDtype(), metadata);
    EXPECT_EQ(SafetensorsFile::open(dir / "m.safetensors").metadata(), metadata);
}

TEST(SafetensorsWriter, EmptyMetadataWritesNoMetadataKey)
{
    ScratchDir dir;
    writeSafetensors(dir / "m.safetensors", everyDtype());
    EXPECT_EQ(flatslice::test::readFile(dir / "m.safetensors").find("__metadata__"), std::string::npos);
    EXPECT_TRUE(SafetensorsFile::open(dir / "m.safetensors").metadata().empty());
}

TEST(SafetensorsWriter, HeaderLengthIsPaddedToAMultipleOfEightWithSpaces)
{
    ScratchDir dir;
    // Names of 1..16 characters walk the unpadded header length through every residue modulo 8.
    for (std::size_t n = 1; n <= 16; ++n) {
        SCOPED_TRACE(n);
        const fs::path path = dir / ("h" + std::to_string(n) + ".safetensors");
        writeSafetensors(path, {ownedView<float>(std::string(n, 'w'), DType::F32, {1}, {1.0f})});
        const std::uint64_t length = headerLength(path);
        EXPECT_EQ(length % 8, 0u);
        const std::string text = flatslice::test::readFile(path);
        const std::string header = text.substr(8, length);
        EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}')); // only spaces after the closing brace
        const auto file = SafetensorsFile::open(path);
        EXPECT_EQ(file.dataOffset() % 8, 0u);
    }
}

TEST(SafetensorsWriter, ScalarAndEmptyTensorsRoundTrip)
{
    ScratchDir dir;
    writeSafetensors(dir / "s.safetensors", {ownedView<float>("scalar", DType::F32, {}, {2.5f}),
                                             ownedView<float>("empty", DType::F32, {0, 3}, {}),
                                             ownedView<float>("after", DType::F32, {1}, {7.0f})});
    const auto file = SafetensorsFile::open(dir / "s.safetensors");
    EXPECT_TRUE(file.tensor("scalar").shape.empty());
    EXPECT_EQ(flatslice::core::toFloatVector(file.tensor("scalar")), std::vector<float>{2.5f});
    EXPECT_EQ(file.tensor("empty").bytes.size(), 0u);
    EXPECT_EQ((file.tensor("empty").shape), (std::vector<std::int64_t>{0, 3}));
    EXPECT_EQ(flatslice::core::toFloatVector(file.tensor("after")), std::vector<float>{7.0f});
}

TEST(SafetensorsWriter, ProducesOneTensorAtATimeInSpecOrder)
{
    ScratchDir dir;
    const auto views = fourTensors();
    std::vector<std::size_t> calls;
    std::weak_ptr<const void> previous;
    bool previousStillAlive = false;
    writeSafetensors(dir / "p.safetensors", specsOf(views), {}, [&](std::size_t i) {
        calls.push_back(i);
        previousStillAlive = previousStillAlive || !previous.expired();
        TensorView copy = views[i];
        auto storage = std::make_shared<std::vector<std::byte>>(copy.bytes.begin(), copy.bytes.end());
        copy.bytes = std::span<const std::byte>(*storage);
        copy.owner = storage;
        previous = storage;
        return copy;
    });
    EXPECT_EQ(calls, (std::vector<std::size_t>{0, 1, 2, 3}));
    EXPECT_FALSE(previousStillAlive) << "the writer held on to a produced tensor while asking for the next";
}

TEST(SafetensorsWriter, ReplacesAnExistingFileAndLeavesNoPartialFile)
{
    ScratchDir dir;
    flatslice::test::writeFile(dir / "r.safetensors", std::string("old contents"));
    writeSafetensors(dir / "r.safetensors", fourTensors());
    EXPECT_EQ(SafetensorsFile::open(dir / "r.safetensors").names().size(), 4u);
    EXPECT_FALSE(fs::exists(dir / "r.safetensors.partial"));
}

TEST(SafetensorsWriter, RejectsAProducedViewWithTheWrongDtype)
{
    ScratchDir dir;
    const auto views = fourTensors();
    auto specs = specsOf(views);
    specs[1].dtype = DType::BF16;
    specs[1].shape = {2, 4}; // same byte count, so only the dtype differs
    expectError([&] { writeSafetensors(dir / "d.safetensors", specs, {}, [&](std::size_t i) { return views[i]; }); },
                {"d.safetensors", "layer.1", "F32", "BF16"});
    EXPECT_FALSE(fs::exists(dir / "d.safetensors"));
    EXPECT_FALSE(fs::exists(dir / "d.safetensors.partial"));
}

TEST(SafetensorsWriter, RejectsAProducedViewWithTheWrongShape)
{
    ScratchDir dir;
    const auto views = fourTensors();
    auto specs = specsOf(views);
    specs[2].shape = {4, 1};
    expectError([&] { writeSafetensors(dir / "s.safetensors", specs, {}, [&](std::size_t i) { return views[i]; }); },
                {"s.safetensors", "layer.2", "[2, 2]", "[4, 1]"});
    EXPECT_FALSE(fs::exists(dir / "s.safetensors.partial"));
}

TEST(SafetensorsWriter, RejectsAProducedViewWithTheWrongByteCount)
{
    ScratchDir dir;
    auto views = fourTensors();
    const auto specs = specsOf(views);
    views[3].bytes = views[3].bytes.first(12);
    expectError([&] { writeSafetensors(dir / "b.safetensors", specs, {}, [&](std::size_t i) { return views[i]; }); },
                {"b.safetensors", "layer.3", "12 bytes", "16"});
    EXPECT_FALSE(fs::exists(dir / "b.safetensors.partial"));
}

TEST(SafetensorsWriter, RejectsDuplicateNamesBeforeWriting)
{
    ScratchDir dir;
    auto views = fourTensors();
    views[2].name = views[0].name;
    expectError([&] { writeSafetensors(dir / "dup.safetensors", views); }, {"dup.safetensors", "duplicate", "layer.0"});
    EXPECT_FALSE(fs::exists(dir / "dup.safetensors"));
    EXPECT_FALSE(fs::exists(dir / "dup.safetensors.partial"));
}

TEST(SafetensorsWriter, FailureInProduceKeepsTheOldFileAndRemovesThePartialOne)
{
    ScratchDir dir;
    flatslice::test::writeFile(dir / "k.safetensors", std::string("previous"));
    const auto views = fourTensors();
    EXPECT_THROW(writeSafetensors(dir / "k.safetensors", specsOf(views), {},
                                  [&](std::size_t i) -> TensorView {
                                      if (i == 2)
                                          throw flatslice::core::Cancelled();
                                      return views[i];
                                  }),
                 flatslice::core::Cancelled);
    EXPECT_EQ(flatslice::test::readFile(dir / "k.safetensors"), "previous");
    EXPECT_FALSE(fs::exists(dir / "k.safetensors.partial"));
}

// ---------------------------------------------------------------------------------------------------------------
// Sharded writing and reading through the index

TEST(SafetensorsSharded, WritesOneModelSafetensorsWithoutIndexWhenEverythingFits)
{
    ScratchDir dir;
    const auto views = fourTensors();
    writeSafetensorsSharded(
        dir.path(), specsOf(views), {{"format", "pt"}}, [&](std::size_t i) { return views[i]; }, 64);
    EXPECT_TRUE(fs::exists(dir / "model.safetensors"));
    EXPECT_FALSE(fs::exists(dir / "model.safetensors.index.json"));
    const SafetensorsCheckpoint checkpoint(dir.path());
    EXPECT_EQ(checkpoint.names().size(), 4u);
    EXPECT_EQ(checkpoint.files(), std::vector<fs::path>{dir / "model.safetensors"});
    EXPECT_EQ(checkpoint.metadata().at("format"), "pt");
}

TEST(SafetensorsSharded, WritesShardsAndAnIndexThatReadBackThroughTheCheckpoint)
{
    ScratchDir dir;
    const auto views = fourTensors(); // 16 bytes each
    std::vector<std::size_t> calls;
    writeSafetensorsSharded(
        dir.path(), specsOf(views), {{"format", "pt"}},
        [&](std::size_t i) {
            calls.push_back(i);
            return views[i];
        },
        40);
    EXPECT_EQ(calls, (std::vector<std::size_t>{0, 1, 2, 3}));
    EXPECT_FALSE(fs::exists(dir / "model.safetensors"));

    const auto index = nlohmann::json::parse(flatslice::test::readFile(dir / "model.safetensors.index.json"));
    EXPECT_EQ(index["metadata"]["total_size"], 64);
    EXPECT_EQ(index["metadata"]["total_parameters"], 16);
    EXPECT_EQ(index["weight_map"]["layer.0"], "model-00001-of-00002.safetensors");
    EXPECT_EQ(index["weight_map"]["layer.1"], "model-00001-of-00002.safetensors");
    EXPECT_EQ(index["weight_map"]["layer.2"], "model-00002-of-00002.safetensors");
    EXPECT_EQ(index["weight_map"]["layer.3"], "model-00002-of-00002.safetensors");

    const SafetensorsCheckpoint checkpoint(dir.path());
    EXPECT_EQ(checkpoint.files(), (std::vector<fs::path>{dir / "model-00001-of-00002.safetensors",
                                                         dir / "model-00002-of-00002.safetensors"}));
    EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"layer.0", "layer.1", "layer.2", "layer.3"}));
    EXPECT_EQ(checkpoint.totalBytes(), 64u);
    EXPECT_EQ(checkpoint.metadata().at("format"), "pt");
    for (const auto& want : views) {
        SCOPED_TRACE(want.name);
        ASSERT_TRUE(checkpoint.contains(want.name));
        EXPECT_TRUE(sameBytes(checkpoint.tensor(want.name).bytes, want.bytes));
        EXPECT_EQ(checkpoint.info(want.name).dtype, DType::F32);
    }
}

TEST(SafetensorsSharded, IndexIsFormattedLikeTransformers)
{
    ScratchDir dir;
    const auto views = fourTensors();
    writeSafetensorsSharded(
        dir.path(), specsOf(views), {}, [&](std::size_t i) { return views[i]; }, 16);
    const std::string text = flatslice::test::readFile(dir / "model.safetensors.index.json");
    // json.dumps(index, indent=2, sort_keys=True) + "\n"
    EXPECT_EQ(text.rfind("{\n  \"metadata\": {\n    \"total_parameters\": 16,\n    \"total_size\": 64\n  },\n", 0), 0u)
        << text;
    EXPECT_NE(text.find("\"layer.3\": \"model-00004-of-00004.safetensors\"\n  }\n}\n"), std::string::npos) << text;
}

TEST(SafetensorsSharded, TensorLargerThanTheLimitGetsAShardOfItsOwn)
{
    ScratchDir dir;
    std::vector<TensorView> views{ownedView<float>("small.a", DType::F32, {1}, {1.0f}),
                                  ownedView<float>("big", DType::F32, {8}, std::vector<float>(8, 2.0f)),
                                  ownedView<float>("small.b", DType::F32, {1}, {3.0f})};
    writeSafetensorsSharded(
        dir.path(), specsOf(views), {}, [&](std::size_t i) { return views[i]; }, 16);
    const SafetensorsCheckpoint checkpoint(dir.path());
    ASSERT_EQ(checkpoint.files().size(), 3u);
    EXPECT_EQ(checkpoint.shardOf("big").path().filename(), "model-00002-of-00003.safetensors");
    EXPECT_EQ(checkpoint.shardOf("big").names(), std::vector<std::string>{"big"});
}

TEST(SafetensorsSharded, RejectsDuplicateNamesAcrossShards)
{
    ScratchDir dir;
    auto views = fourTensors();
    views[3].name = views[0].name;
    expectError(
        [&] {
            writeSafetensorsSharded(
                dir.path(), specsOf(views), {}, [&](std::size_t i) { return views[i]; }, 16);
        },
        {dir.path().string(), "duplicate", "layer.0"});
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(SafetensorsSharded, FailureRemovesTheShardsAlreadyWritten)
{
    ScratchDir dir;
    const auto views = fourTensors();
    EXPECT_THROW(writeSafetensorsSharded(
                     dir.path(), specsOf(views), {},
                     [&](std::size_t i) -> TensorView {
                         if (i == 3)
                             throw Error("conversion failed");
                         return views[i];
                     },
                     16),
                 Error);
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

// ---------------------------------------------------------------------------------------------------------------
// The reference file written by the Python safetensors package

namespace {

fs::path referenceDir()
{
    return flatslice::test::dataDir() / "safetensors";
}

template <typename T>
T element(const TensorView& view, std::size_t i)
{
    T value{};
    std::memcpy(&value, view.bytes.data() + i * sizeof(T), sizeof(T));
    return value;
}

// Compares one element bit for bit (floats) or exactly (integers, booleans) against its JSON value.
void expectElement(const TensorView& view, std::size_t i, const nlohmann::json& want)
{
    switch (view.dtype) {
    case DType::F64:
        EXPECT_EQ(std::bit_cast<std::uint64_t>(element<double>(view, i)),
                  std::bit_cast<std::uint64_t>(want.get<double>()));
        break;
    case DType::F32:
        EXPECT_EQ(std::bit_cast<std::uint32_t>(element<float>(view, i)),
                  std::bit_cast<std::uint32_t>(static_cast<float>(want.get<double>())));
        break;
    case DType::BF16:
        EXPECT_EQ(std::bit_cast<std::uint32_t>(flatslice::core::bf16ToFloat(element<unsigned short>(view, i))),
                  std::bit_cast<std::uint32_t>(static_cast<float>(want.get<double>())));
        break;
    case DType::F16:
        EXPECT_EQ(std::bit_cast<std::uint32_t>(flatslice::core::halfToFloat(element<unsigned short>(view, i))),
                  std::bit_cast<std::uint32_t>(static_cast<float>(want.get<double>())));
        break;
    case DType::I64: EXPECT_EQ(element<std::int64_t>(view, i), want.get<std::int64_t>()); break;
    case DType::I32: EXPECT_EQ(element<std::int32_t>(view, i), want.get<std::int32_t>()); break;
    case DType::I16: EXPECT_EQ(element<std::int16_t>(view, i), want.get<std::int16_t>()); break;
    case DType::I8: EXPECT_EQ(element<std::int8_t>(view, i), want.get<std::int8_t>()); break;
    case DType::U8: EXPECT_EQ(element<std::uint8_t>(view, i), want.get<std::uint8_t>()); break;
    case DType::Bool: EXPECT_EQ(element<std::uint8_t>(view, i), want.get<bool>() ? 1 : 0); break;
    }
}

} // namespace

TEST(SafetensorsReference, EveryTensorEqualsWhatPythonSafetensorsWrote)
{
    const auto file = SafetensorsFile::open(referenceDir() / "reference.safetensors");
    const auto expected = nlohmann::json::parse(flatslice::test::readFile(referenceDir() / "reference.json"));
    const auto& tensors = expected.at("tensors");
    ASSERT_EQ(file.names().size(), tensors.size());
    std::set<DType> dtypes;
    for (const auto& [name, want] : tensors.items()) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(file.contains(name));
        const TensorView view = file.tensor(name);
        EXPECT_EQ(flatslice::core::dtypeName(view.dtype), want.at("dtype").get<std::string>());
        EXPECT_EQ(view.shape, want.at("shape").get<std::vector<std::int64_t>>());
        const auto& values = want.at("values");
        ASSERT_EQ(static_cast<std::size_t>(view.numel()), values.size());
        ASSERT_EQ(view.bytes.size(), values.size() * flatslice::core::dtypeSize(view.dtype));
        for (std::size_t i = 0; i < values.size(); ++i) {
            SCOPED_TRACE(i);
            expectElement(view, i, values[i]);
        }
        dtypes.insert(view.dtype);
    }
    EXPECT_EQ(dtypes.size(), 10u) << "the fixture should hold every dtype";
}

TEST(SafetensorsReference, MetadataEqualsWhatPythonSafetensorsWrote)
{
    const auto file = SafetensorsFile::open(referenceDir() / "reference.safetensors");
    const auto expected = nlohmann::json::parse(flatslice::test::readFile(referenceDir() / "reference.json"));
    EXPECT_EQ(file.metadata(), (expected.at("metadata").get<std::map<std::string, std::string>>()));
}

TEST(SafetensorsReference, NamesAreInDataOffsetOrder)
{
    const auto file = SafetensorsFile::open(referenceDir() / "reference.safetensors");
    // The Python library stores by alignment then name: i64 and f64 first, bool last.
    ASSERT_FALSE(file.names().empty());
    EXPECT_EQ(file.names().front(), "ref.i64");
    EXPECT_EQ(file.names().back(), "ref.bool");
    for (std::size_t i = 1; i < file.names().size(); ++i)
        EXPECT_LE(file.info(file.names()[i - 1]).end, file.info(file.names()[i]).begin);
}

TEST(SafetensorsReference, WriterReproducesPythonBytesExactly)
{
    // Same tensors in the same order with the same metadata: header, padding and data must match byte for byte.
    ScratchDir dir;
    const auto reference = SafetensorsFile::open(referenceDir() / "reference.safetensors");
    std::vector<TensorView> views;
    for (const auto& name : reference.names())
        views.push_back(reference.tensor(name));
    writeSafetensors(dir / "again.safetensors", views, reference.metadata());
    EXPECT_EQ(flatslice::test::readFile(dir / "again.safetensors"),
              flatslice::test::readFile(referenceDir() / "reference.safetensors"));
}

// ---------------------------------------------------------------------------------------------------------------
// Headers the reader accepts

TEST(SafetensorsFile, AcceptsAnEmptyHeader)
{
    ScratchDir dir;
    flatslice::test::writeFile(dir / "e.safetensors", rawSafetensors("{}", 0));
    const auto file = SafetensorsFile::open(dir / "e.safetensors");
    EXPECT_TRUE(file.names().empty());
    EXPECT_TRUE(file.metadata().empty());
}

TEST(SafetensorsFile, AcceptsUnknownPerTensorKeysGapsAndTrailingSpaces)
{
    ScratchDir dir;
    flatslice::test::writeFile(dir / "g.safetensors",
                               rawSafetensors(R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8],"extra":1},)"
                                              R"("a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}   )",
                                              8));
    const auto file = SafetensorsFile::open(dir / "g.safetensors");
    EXPECT_EQ(file.names(), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(element<std::uint8_t>(file.tensor("b"), 1), 7);
}

TEST(SafetensorsFile, UnknownTensorNameErrorNamesFileAndTensor)
{
    ScratchDir dir;
    writeSafetensors(dir / "u.safetensors", fourTensors());
    const auto file = SafetensorsFile::open(dir / "u.safetensors");
    EXPECT_FALSE(file.contains("missing.weight"));
    expectError([&] { file.tensor("missing.weight"); }, {"u.safetensors", "'missing.weight'"});
    expectError([&] { file.info("missing.weight"); }, {"u.safetensors", "'missing.weight'"});
}

// ---------------------------------------------------------------------------------------------------------------
// One crafted file per validation rule: each must fail with a one-line message naming the file and the problem

TEST(SafetensorsValidation, FileTooShort)
{
    ScratchDir dir;
    expectOpenError(dir, "short.safetensors", {1, 2, 3}, {"3 bytes", "too short"});
}

TEST(SafetensorsValidation, EmptyFile)
{
    ScratchDir dir;
    expectOpenError(dir, "empty.safetensors", {}, {"0 bytes", "too short"});
}

TEST(SafetensorsValidation, HeaderLengthPastEndOfFile)
{
    ScratchDir dir;
    auto bytes = u64le(1000);
    bytes.insert(bytes.end(), {'{', '}'});
    expectOpenError(dir, "hdrlen.safetensors", bytes, {"header length 1000", "10-byte file"});
}

TEST(SafetensorsValidation, HeaderLengthAboveTheCap)
{
    ScratchDir dir;
    auto bytes = u64le(std::uint64_t{1} << 40);
    bytes.insert(bytes.end(), {'{', '}'});
    expectOpenError(dir, "huge.safetensors", bytes, {"header length 1099511627776", "limit"});
}

TEST(SafetensorsValidation, HeaderNotJson)
{
    ScratchDir dir;
    expectOpenError(dir, "notjson.safetensors", rawSafetensors("{not json", 0), {"not valid JSON"});
}

TEST(SafetensorsValidation, HeaderNotAnObject)
{
    ScratchDir dir;
    expectOpenError(dir, "array.safetensors", rawSafetensors("[1, 2]", 0), {"must be a JSON object", "array"});
}

TEST(SafetensorsValidation, HeaderNestedTooDeep)
{
    ScratchDir dir;
    const std::string deep = R"({"w":{"dtype":"F32","shape":)" + std::string(5000, '[') + std::string(5000, ']') +
                             R"(,"data_offsets":[0,0]}})";
    expectOpenError(dir, "deep.safetensors", rawSafetensors(deep, 0), {"deeper"});
}

TEST(SafetensorsValidation, TensorEntryNotAnObject)
{
    ScratchDir dir;
    expectOpenError(dir, "entry.safetensors", rawSafetensors(R"({"w":[1,2]})", 0), {"tensor 'w'", "object"});
}

TEST(SafetensorsValidation, UnknownDtype)
{
    ScratchDir dir;
    expectOpenError(dir, "dtype.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", 1),
                    {"tensor 'w'", "unknown dtype 'F8'"});
}

TEST(SafetensorsValidation, MissingDtype)
{
    ScratchDir dir;
    expectOpenError(dir, "nodtype.safetensors", rawSafetensors(R"({"w":{"shape":[1],"data_offsets":[0,1]}})", 1),
                    {"tensor 'w'", "no dtype"});
}

TEST(SafetensorsValidation, ShapeNotIntegers)
{
    ScratchDir dir;
    expectOpenError(dir, "float.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
                    {"tensor 'w'", "shape", "non-negative integers", "1.5"});
    expectOpenError(dir, "string.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", 8),
                    {"tensor 'w'", "shape", "\"2\""});
    expectOpenError(dir, "notarray.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", 16),
                    {"tensor 'w'", "shape must be an array"});
}

TEST(SafetensorsValidation, NegativeDimension)
{
    ScratchDir dir;
    expectOpenError(dir, "negative.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", 4),
                    {"tensor 'w'", "shape", "-1"});
}

TEST(SafetensorsValidation, ShapeProductOverflows)
{
    ScratchDir dir;
    expectOpenError(dir, "overflow.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
                    {"tensor 'w'", "64 bits"});
    expectOpenError(dir, "bytesoverflow.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8]}})", 8),
                    {"tensor 'w'", "64 bits"});
}

TEST(SafetensorsValidation, DataOffsetsMalformed)
{
    ScratchDir dir;
    expectOpenError(dir, "offsets.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                    {"tensor 'w'", "data_offsets must be [begin, end]"});
}

TEST(SafetensorsValidation, OffsetsOutsideTheDataSection)
{
    ScratchDir dir;
    expectOpenError(dir, "outside.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[228],"data_offsets":[0,912]}})", 800),
                    {"tensor 'w'", "data_offsets [0, 912]", "end past the 800-byte data section"});
}

TEST(SafetensorsValidation, BeginAfterEnd)
{
    ScratchDir dir;
    expectOpenError(dir, "reversed.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8),
                    {"tensor 'w'", "data_offsets [8, 4]", "begin is past end"});
}

TEST(SafetensorsValidation, SizeMismatch)
{
    ScratchDir dir;
    expectOpenError(dir, "size.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16),
                    {"tensor 'w'", "16 bytes", "needs 12", "size mismatch"});
}

TEST(SafetensorsValidation, OverlappingTensors)
{
    ScratchDir dir;
    expectOpenError(dir, "overlap.safetensors",
                    rawSafetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                   12),
                    {"'a' [0, 8]", "'b' [4, 12]", "overlap"});
}

TEST(SafetensorsValidation, TensorInsideAnotherOverlaps)
{
    // 'b' lies inside 'a' and 'c' starts after 'b' ends: only comparing neighbours would miss this.
    ScratchDir dir;
    expectOpenError(dir, "nested.safetensors",
                    rawSafetensors(R"({"a":{"dtype":"U8","shape":[10],"data_offsets":[0,10]},)"
                                   R"("b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},)"
                                   R"("c":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}})",
                                   10),
                    {"'a' [0, 10]", "'b' [2, 4]", "overlap"});
}

TEST(SafetensorsValidation, DuplicateTensorNames)
{
    ScratchDir dir;
    expectOpenError(dir, "dupname.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                                   R"("w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                                   2),
                    {"tensor 'w'", "twice", "duplicate"});
}

TEST(SafetensorsValidation, DuplicateKeyInsideATensorEntry)
{
    ScratchDir dir;
    expectOpenError(dir, "dupkey.safetensors",
                    rawSafetensors(R"({"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}})", 1),
                    {"tensor 'w'", "duplicate key 'dtype'"});
}

TEST(SafetensorsValidation, MetadataNotAStringMap)
{
    ScratchDir dir;
    expectOpenError(dir, "metavalue.safetensors", rawSafetensors(R"({"__metadata__":{"format":"pt","n":3}})", 0),
                    {"__metadata__", "'n'", "must be a string"});
    expectOpenError(dir, "metaobject.safetensors", rawSafetensors(R"({"__metadata__":["pt"]})", 0),
                    {"__metadata__", "must be an object"});
}

TEST(SafetensorsValidation, ShardErrorNamesTheShardFile)
{
    ScratchDir dir;
    flatslice::test::writeFile(dir / "model.safetensors", rawSafetensors("{oops", 0));
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); }, {"model.safetensors", "not valid JSON"});
}

// ---------------------------------------------------------------------------------------------------------------
// The checkpoint: single file, directory, index rules

namespace {

// Writes shards a.safetensors (layer.0, layer.1) and b.safetensors (layer.2, layer.3) plus an index with `index`.
void writeTwoShards(const ScratchDir& dir, const std::string& index)
{
    const auto views = fourTensors();
    writeSafetensors(dir / "a.safetensors", {views[0], views[1]});
    writeSafetensors(dir / "b.safetensors", {views[2], views[3]});
    flatslice::test::writeFile(dir / "model.safetensors.index.json", index);
}

const char* kGoodWeightMap = R"("layer.0":"a.safetensors","layer.1":"a.safetensors",)"
                             R"("layer.2":"b.safetensors","layer.3":"b.safetensors")";

} // namespace

TEST(SafetensorsCheckpoint, OpensASingleFileByPath)
{
    ScratchDir dir;
    writeSafetensors(dir / "weights.safetensors", fourTensors());
    const SafetensorsCheckpoint checkpoint(dir / "weights.safetensors");
    EXPECT_EQ(checkpoint.names().size(), 4u);
    EXPECT_EQ(checkpoint.totalBytes(), 64u);
    EXPECT_EQ(checkpoint.files(), std::vector<fs::path>{dir / "weights.safetensors"});
}

TEST(SafetensorsCheckpoint, OpensAHandWrittenIndex)
{
    ScratchDir dir;
    writeTwoShards(dir, std::string(R"({"metadata":{"total_size":64},"weight_map":{)") + kGoodWeightMap + "}}");
    const SafetensorsCheckpoint checkpoint(dir.path());
    EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"layer.0", "layer.1", "layer.2", "layer.3"}));
    EXPECT_EQ(checkpoint.shardOf("layer.2").path(), dir / "b.safetensors");
    EXPECT_EQ(flatslice::core::toFloatVector(checkpoint.tensor("layer.3"))[1], 3.5f);
}

TEST(SafetensorsCheckpoint, MissingWeightsListsWhatWasLookedFor)
{
    ScratchDir dir;
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {dir.path().string(), "model.safetensors.index.json", "model.safetensors"});
}

TEST(SafetensorsCheckpoint, UnknownTensorNameErrorNamesCheckpointAndTensor)
{
    ScratchDir dir;
    writeSafetensors(dir / "model.safetensors", fourTensors());
    const SafetensorsCheckpoint checkpoint(dir.path());
    EXPECT_FALSE(checkpoint.contains("nope"));
    expectError([&] { checkpoint.tensor("nope"); }, {dir.path().string(), "'nope'"});
}

TEST(SafetensorsCheckpoint, IndexNotJson)
{
    ScratchDir dir;
    writeTwoShards(dir, "{\"weight_map\": ");
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {"model.safetensors.index.json", "not valid JSON"});
}

TEST(SafetensorsCheckpoint, IndexWithoutWeightMap)
{
    ScratchDir dir;
    writeTwoShards(dir, R"({"metadata":{}})");
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {"model.safetensors.index.json", "no weight_map"});
}

TEST(SafetensorsCheckpoint, IndexWithPathTraversalIsRefused)
{
    for (const std::string shard : {"../a.safetensors", "/etc/passwd", "sub/a.safetensors", "..", ""}) {
        SCOPED_TRACE(shard);
        ScratchDir dir;
        writeTwoShards(dir, R"({"weight_map":{"layer.0":")" + shard + R"("}})");
        expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                    {"model.safetensors.index.json", "'layer.0'", "'" + shard + "'", "not a plain file name"});
    }
}

TEST(SafetensorsCheckpoint, IndexNamingAMissingShard)
{
    ScratchDir dir;
    writeTwoShards(dir, R"({"weight_map":{"layer.0":"a.safetensors","layer.9":"gone.safetensors"}})");
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {"model.safetensors.index.json", "'gone.safetensors'", "'layer.9'", "missing"});
}

TEST(SafetensorsCheckpoint, IndexNamingATensorNotInItsShard)
{
    ScratchDir dir;
    writeTwoShards(dir, R"({"weight_map":{"layer.0":"a.safetensors","layer.2":"a.safetensors"}})");
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {"model.safetensors.index.json", "'layer.2'", "'a.safetensors'", "does not hold it"});
}

TEST(SafetensorsCheckpoint, IndexListingATensorTwice)
{
    ScratchDir dir;
    writeTwoShards(dir, R"({"weight_map":{"layer.0":"a.safetensors","layer.0":"b.safetensors"}})");
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {"model.safetensors.index.json", "'layer.0'", "twice"});
}

TEST(SafetensorsCheckpoint, TensorStoredInTwoShards)
{
    ScratchDir dir;
    const auto views = fourTensors();
    writeSafetensors(dir / "a.safetensors", {views[0], views[1]});
    writeSafetensors(dir / "b.safetensors", {views[1], views[2]});
    flatslice::test::writeFile(dir / "model.safetensors.index.json",
                               std::string(R"({"weight_map":{"layer.0":"a.safetensors","layer.1":"a.safetensors",)"
                                           R"("layer.2":"b.safetensors"}})"));
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); },
                {"model.safetensors.index.json", "'layer.1'", "two shards", "'a.safetensors'", "'b.safetensors'"});
}

TEST(SafetensorsCheckpoint, InvalidShardFailsWithTheShardsName)
{
    ScratchDir dir;
    writeTwoShards(dir, std::string(R"({"weight_map":{)") + kGoodWeightMap + "}}");
    flatslice::test::writeFile(dir / "b.safetensors", std::vector<unsigned char>{1, 2});
    expectError([&] { SafetensorsCheckpoint checkpoint(dir.path()); }, {"b.safetensors", "too short"});
}
