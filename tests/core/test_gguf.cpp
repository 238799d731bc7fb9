// SPDX-License-Identifier: GPL-3.0-or-later
// GGUF reader and dequantizer: goldens from the gguf Python package (tests/reference/make_gguf_reference.py),
// metadata accessors, layout rules, and a catalogue of crafted malformed files.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "format/ggmltype.h"
#include "format/ggufdequant.h"
#include "format/gguffile.h"
#include "format/ggufvalue.h"
#include "testsupport.h"
#include "util/error.h"

using flatslice::core::DType;
using flatslice::core::Error;
using flatslice::core::GgmlType;
using flatslice::core::GgufFile;
using flatslice::core::GgufValue;
using flatslice::core::GgufValueType;
using flatslice::core::TensorView;

namespace {

std::filesystem::path referenceGguf()
{
    return flatslice::test::dataDir() / "gguf" / "reference.gguf";
}

const nlohmann::json& referenceJson()
{
    static const nlohmann::json json = [] {
        std::ifstream in(flatslice::test::dataDir() / "gguf" / "reference.json");
        return nlohmann::json::parse(in);
    }();
    return json;
}

const nlohmann::json& referenceTensor(const std::string& typeName, std::size_t dims = 2)
{
    for (const auto& tensor : referenceJson().at("tensors"))
        if (tensor.at("type") == typeName && tensor.at("shape").size() == dims)
            return tensor;
    throw std::runtime_error("reference.json has no " + typeName + " tensor");
}

std::vector<float> floats(const TensorView& view)
{
    std::vector<float> out(view.bytes.size() / sizeof(float));
    std::memcpy(out.data(), view.bytes.data(), out.size() * sizeof(float));
    return out;
}

// Values equal within 1e-6 relative to magnitude; says where and by how much otherwise.
testing::AssertionResult closeToReference(const std::vector<float>& actual, const nlohmann::json& expected)
{
    if (actual.size() != expected.size())
        return testing::AssertionFailure() << actual.size() << " values, expected " << expected.size();
    std::size_t mismatches = 0;
    std::size_t first = 0;
    double worst = 0;
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const double want = expected[i].get<double>();
        const double diff = std::fabs(static_cast<double>(actual[i]) - want);
        if (diff > 1e-6 * std::max(1.0, std::fabs(want))) {
            if (mismatches++ == 0)
                first = i;
            worst = std::max(worst, diff);
        }
    }
    if (mismatches == 0)
        return testing::AssertionSuccess();
    return testing::AssertionFailure() << mismatches << " of " << actual.size() << " values differ; first at index "
                                       << first << ": " << actual[first] << " vs " << expected[first].get<double>()
                                       << ", worst difference " << worst;
}

// Little-endian byte builder for crafted GGUF files.
class Bytes {
public:
    Bytes& u8(std::uint8_t v) { return put(v); }
    Bytes& i8(std::int8_t v) { return put(v); }
    Bytes& u16(std::uint16_t v) { return put(v); }
    Bytes& i16(std::int16_t v) { return put(v); }
    Bytes& u32(std::uint32_t v) { return put(v); }
    Bytes& i32(std::int32_t v) { return put(v); }
    Bytes& u64(std::uint64_t v) { return put(v); }
    Bytes& i64(std::int64_t v) { return put(v); }
    Bytes& f32(float v) { return put(v); }
    Bytes& f64(double v) { return put(v); }
    Bytes& raw(std::string_view s)
    {
        m_data.insert(m_data.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& str(std::string_view s) { return u64(s.size()).raw(s); }
    Bytes& type(GgufValueType t) { return u32(static_cast<std::uint32_t>(t)); }
    Bytes& key(std::string_view k, GgufValueType t) { return str(k).type(t); } // a key and its value type
    Bytes& append(const Bytes& other)
    {
        m_data.insert(m_data.end(), other.m_data.begin(), other.m_data.end());
        return *this;
    }
    Bytes& fill(std::size_t n, std::uint8_t value = 0)
    {
        m_data.insert(m_data.end(), n, value);
        return *this;
    }
    Bytes& padTo(std::size_t alignment) { return fill((alignment - m_data.size() % alignment) % alignment); }
    std::size_t size() const { return m_data.size(); }
    const std::vector<unsigned char>& data() const { return m_data; }

private:
    template <typename T>
    Bytes& put(T v)
    {
        unsigned char buffer[sizeof(T)];
        std::memcpy(buffer, &v, sizeof(T));
        m_data.insert(m_data.end(), buffer, buffer + sizeof(T));
        return *this;
    }
    std::vector<unsigned char> m_data;
};

struct TensorSpec {
    std::string name;
    std::vector<std::uint64_t> ne;
    std::uint32_t type = 0; // F32
    std::uint64_t offset = 0;
};

// A GGUF file: header, `keyCount` pre-serialized key/values, tensor infos, padding to `alignment`, then `data`.
struct FileSpec {
    std::uint32_t version = 3;
    std::uint64_t keyCount = 0;
    Bytes keys;
    std::vector<TensorSpec> tensors;
    std::size_t alignment = 32;
    Bytes data;
};

Bytes build(const FileSpec& spec)
{
    Bytes out;
    out.raw("GGUF").u32(spec.version).u64(spec.tensors.size()).u64(spec.keyCount).append(spec.keys);
    for (const auto& tensor : spec.tensors) {
        out.str(tensor.name).u32(static_cast<std::uint32_t>(tensor.ne.size()));
        for (const auto d : tensor.ne)
            out.u64(d);
        out.u32(tensor.type).u64(tensor.offset);
    }
    return out.padTo(spec.alignment).append(spec.data);
}

// One F32 tensor of 8 elements at offset 0, with its 32 data bytes: the smallest valid file with a tensor.
FileSpec oneTensor(TensorSpec tensor = {"t", {8}, 0, 0})
{
    FileSpec spec;
    spec.tensors.push_back(std::move(tensor));
    spec.data.fill(32);
    return spec;
}

class CraftedFile {
public:
    explicit CraftedFile(const Bytes& bytes) : m_path(m_dir / "crafted.gguf")
    {
        flatslice::test::writeFile(m_path, bytes.data());
    }
    const std::filesystem::path& path() const { return m_path; }

private:
    flatslice::test::ScratchDir m_dir;
    std::filesystem::path m_path;
};

// Opening `bytes` throws Error whose message names the file and contains every one of `parts`.
testing::AssertionResult openFails(const Bytes& bytes, std::initializer_list<std::string_view> parts)
{
    const CraftedFile file(bytes);
    try {
        GgufFile::open(file.path());
    } catch (const Error& error) {
        const std::string message = error.what();
        if (message.find("crafted.gguf") == std::string::npos)
            return testing::AssertionFailure() << "message does not name the file: " << message;
        for (const auto part : parts)
            if (message.find(part) == std::string::npos)
                return testing::AssertionFailure() << "message lacks '" << part << "': " << message;
        if (message.find('\n') != std::string::npos)
            return testing::AssertionFailure() << "message is not one line: " << message;
        return testing::AssertionSuccess() << message;
    } catch (const std::exception& other) {
        return testing::AssertionFailure() << "threw something other than Error: " << other.what();
    }
    return testing::AssertionFailure() << "opened without an error";
}

std::string errorOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "(no error)";
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

// ---- goldens from the gguf Python package ----

class GgufReferenceDequant : public testing::TestWithParam<const char*> {};

TEST_P(GgufReferenceDequant, MatchesGgufPythonPackage)
{
    const auto& expected = referenceTensor(GetParam());
    const auto file = GgufFile::open(referenceGguf());
    const TensorView view = file.dequantize(expected.at("name").get<std::string>());
    EXPECT_EQ(view.dtype, DType::F32);
    EXPECT_EQ(view.shape, expected.at("shape").get<std::vector<std::int64_t>>());
    EXPECT_TRUE(closeToReference(floats(view), expected.at("values")));
}

INSTANTIATE_TEST_SUITE_P(EveryType, GgufReferenceDequant,
                         testing::Values("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K",
                                         "Q4_K", "Q5_K", "Q6_K"),
                         [](const testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

TEST(GgufReference, RawBytesDequantizeLikeTheFile)
{
    const auto file = GgufFile::open(referenceGguf());
    for (const auto& expected : referenceJson().at("tensors")) {
        const auto* info = file.findTensor(expected.at("name").get<std::string>());
        ASSERT_NE(info, nullptr);
        SCOPED_TRACE(info->name);
        const TensorView raw = file.raw(info->name);
        EXPECT_EQ(raw.dtype, DType::U8);
        EXPECT_EQ(raw.bytes.size(), expected.at("nbytes").get<std::uint64_t>());
        std::vector<float> values(info->numel());
        flatslice::core::dequantize(info->type, raw.bytes, values);
        EXPECT_TRUE(closeToReference(values, expected.at("values")));
    }
}

TEST(GgufReference, HeaderAndTensorInfosMatch)
{
    const auto& json = referenceJson();
    const auto file = GgufFile::open(referenceGguf());
    EXPECT_EQ(file.version(), 3u);
    EXPECT_EQ(file.fileSize(), json.at("file_size").get<std::uint64_t>());
    EXPECT_EQ(file.dataOffset(), json.at("data_offset").get<std::uint64_t>());
    ASSERT_EQ(file.tensors().size(), json.at("tensors").size());
    for (std::size_t i = 0; i < file.tensors().size(); ++i) {
        const auto& info = file.tensors()[i];
        const auto& expected = json.at("tensors")[i];
        SCOPED_TRACE(info.name);
        EXPECT_EQ(info.name, expected.at("name").get<std::string>());
        EXPECT_EQ(static_cast<std::uint32_t>(info.type), expected.at("ggml_type").get<std::uint32_t>());
        EXPECT_EQ(flatslice::core::ggmlTypeName(info.type), expected.at("type").get<std::string>());
        EXPECT_EQ(info.offset, expected.at("offset").get<std::uint64_t>());
        EXPECT_EQ(info.nbytes, expected.at("nbytes").get<std::uint64_t>());
    }
}

TEST(GgufReference, ShapesAreGgmlOrderReversed)
{
    const auto file = GgufFile::open(referenceGguf());
    const auto* info = file.findTensor("ref.q8_0_3d");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->ne, (std::vector<std::uint64_t>{32, 2, 3}));
    EXPECT_EQ(info->shape, (std::vector<std::int64_t>{3, 2, 32}));
    const TensorView view = file.dequantize("ref.q8_0_3d");
    EXPECT_EQ(view.shape, (std::vector<std::int64_t>{3, 2, 32}));
    EXPECT_TRUE(closeToReference(floats(view), referenceTensor("Q8_0", 3).at("values")));
}

TEST(GgufReference, CustomAlignmentIsHonoured)
{
    const auto file = GgufFile::open(referenceGguf());
    EXPECT_EQ(file.alignment(), 64u);
    EXPECT_EQ(file.dataOffset() % 64, 0u);
    for (const auto& info : file.tensors())
        EXPECT_EQ(info.offset % 64, 0u) << info.name;
}

TEST(GgufReference, EveryMetadataValueMatches)
{
    const auto file = GgufFile::open(referenceGguf());
    const auto& expectedList = referenceJson().at("metadata");
    ASSERT_EQ(file.metadata().size(), expectedList.size());
    for (std::size_t i = 0; i < expectedList.size(); ++i) {
        const auto& expected = expectedList[i];
        const auto& [key, value] = file.metadata()[i];
        SCOPED_TRACE(key);
        EXPECT_EQ(key, expected.at("key").get<std::string>()); // file order kept
        EXPECT_EQ(flatslice::core::ggufValueTypeName(value.type()), expected.at("type").get<std::string>());
        const auto& want = expected.at("value");
        switch (value.type()) {
        case GgufValueType::UInt8:
        case GgufValueType::UInt16:
        case GgufValueType::UInt32:
        case GgufValueType::UInt64: EXPECT_EQ(value.asUInt(), want.get<std::uint64_t>()); break;
        case GgufValueType::Int8:
        case GgufValueType::Int16:
        case GgufValueType::Int32:
        case GgufValueType::Int64: EXPECT_EQ(value.asInt(), want.get<std::int64_t>()); break;
        case GgufValueType::Float32:
        case GgufValueType::Float64: EXPECT_EQ(value.asFloat(), want.get<double>()); break;
        case GgufValueType::Bool: EXPECT_EQ(value.asBool(), want.get<bool>()); break;
        case GgufValueType::String: EXPECT_EQ(value.asString(), want.get<std::string>()); break;
        case GgufValueType::Array: {
            const std::string elementType = expected.at("element_type");
            EXPECT_EQ(flatslice::core::ggufValueTypeName(value.arrayType()), elementType);
            EXPECT_EQ(value.size(), want.size());
            if (elementType == "STRING") {
                EXPECT_EQ(value.asStringArray(), want.get<std::vector<std::string>>());
            } else if (elementType == "FLOAT32" || elementType == "FLOAT64") {
                EXPECT_EQ(value.asFloatArray(), want.get<std::vector<double>>());
            } else if (elementType == "BOOL") {
                for (std::size_t j = 0; j < want.size(); ++j)
                    EXPECT_EQ(value.element(j).asBool(), want[j].get<bool>());
            } else if (elementType == "ARRAY") {
                for (std::size_t j = 0; j < want.size(); ++j) {
                    const GgufValue inner = value.element(j);
                    EXPECT_EQ(flatslice::core::ggufValueTypeName(inner.arrayType()),
                              expected.at("inner_element_type").get<std::string>());
                    EXPECT_EQ(inner.asIntArray(), want[j].get<std::vector<std::int64_t>>());
                }
            } else if (elementType == "UINT64") { // beyond int64: read element by element
                for (std::size_t j = 0; j < want.size(); ++j)
                    EXPECT_EQ(value.element(j).asUInt(), want[j].get<std::uint64_t>());
            } else {
                EXPECT_EQ(value.asIntArray(), want.get<std::vector<std::int64_t>>());
            }
            break;
        }
        }
    }
}

TEST(GgufReference, FindAndGetLookUpKeys)
{
    const auto file = GgufFile::open(referenceGguf());
    EXPECT_EQ(file.get("general.architecture").asString(), "reference");
    ASSERT_NE(file.find("ref.int8"), nullptr);
    EXPECT_EQ(file.find("ref.int8")->asInt(), -100);
    EXPECT_EQ(file.find("no.such.key"), nullptr);
}

TEST(GgufReference, GetOfMissingKeyNamesKeyAndFile)
{
    const auto file = GgufFile::open(referenceGguf());
    const std::string message = errorOf([&] { (void)file.get("llama.block_count"); });
    EXPECT_TRUE(contains(message, "llama.block_count")) << message;
    EXPECT_TRUE(contains(message, "reference.gguf")) << message;
}

TEST(GgufReference, TypeMismatchNamesKeyAndBothTypes)
{
    const auto file = GgufFile::open(referenceGguf());
    const std::string message = errorOf([&] { (void)file.get("ref.uint32").asString(); });
    EXPECT_TRUE(contains(message, "ref.uint32")) << message;
    EXPECT_TRUE(contains(message, "UINT32")) << message;
    EXPECT_TRUE(contains(message, "STRING")) << message;
    EXPECT_TRUE(contains(message, "reference.gguf")) << message;
}

TEST(GgufReference, F32DequantizesWithoutCopy)
{
    const auto file = GgufFile::open(referenceGguf());
    const TensorView raw = file.raw("ref.f32");
    const TensorView view = file.dequantize("ref.f32");
    EXPECT_EQ(view.bytes.data(), raw.bytes.data());
    EXPECT_EQ(view.owner, raw.owner);
}

TEST(GgufReference, ViewsOutliveTheFileHandle)
{
    TensorView view;
    {
        const auto file = GgufFile::open(referenceGguf());
        view = file.dequantize("ref.f32");
    }
    EXPECT_TRUE(closeToReference(floats(view), referenceTensor("F32").at("values")));
}

TEST(GgufReference, UnknownTensorNameIsAnError)
{
    const auto file = GgufFile::open(referenceGguf());
    EXPECT_EQ(file.findTensor("nope"), nullptr);
    const std::string message = errorOf([&] { (void)file.raw("nope"); });
    EXPECT_TRUE(contains(message, "'nope'")) << message;
}

// ---- GgufValue on its own ----

TEST(GgufValue, IntegerAccessorsRangeCheck)
{
    EXPECT_EQ(GgufValue::makeSigned(GgufValueType::Int32, 7).asUInt(), 7u);
    EXPECT_THROW((void)GgufValue::makeSigned(GgufValueType::Int32, -7).asUInt(), Error);
    EXPECT_EQ(GgufValue::makeUnsigned(GgufValueType::UInt64, 9).asInt(), 9);
    EXPECT_THROW((void)GgufValue::makeUnsigned(GgufValueType::UInt64, ~0ull).asInt(), Error);
    EXPECT_THROW((void)GgufValue::makeUnsigned(GgufValueType::UInt8, 256), Error);
    EXPECT_THROW((void)GgufValue::makeSigned(GgufValueType::Int8, -129), Error);
}

TEST(GgufValue, FloatAccessorRejectsIntegers)
{
    EXPECT_DOUBLE_EQ(GgufValue::makeFloat(GgufValueType::Float64, 0.25).asFloat(), 0.25);
    const std::string message = errorOf([] { (void)GgufValue::makeSigned(GgufValueType::Int16, 1).asFloat(); });
    EXPECT_TRUE(contains(message, "INT16")) << message;
    EXPECT_TRUE(contains(message, "FLOAT32")) << message;
}

TEST(GgufValue, Float32IsStoredAtFileResolution)
{
    EXPECT_EQ(GgufValue::makeFloat(GgufValueType::Float32, 0.1).asFloat(), static_cast<double>(0.1f));
}

TEST(GgufValue, ArrayAccessorsCheckElementType)
{
    const GgufValue strings = GgufValue::makeStringArray({"a", "b"});
    EXPECT_THROW((void)strings.asIntArray(), Error);
    EXPECT_THROW((void)strings.asFloatArray(), Error);
    EXPECT_THROW((void)GgufValue::makeString("x").size(), Error);
    EXPECT_THROW((void)GgufValue::makeString("x").arrayType(), Error);
    EXPECT_THROW((void)strings.element(2), Error);
    const std::string message = errorOf([] { (void)GgufValue::makeBool(true).asStringArray(); });
    EXPECT_TRUE(contains(message, "BOOL")) << message;
    EXPECT_TRUE(contains(message, "ARRAY of STRING")) << message;
}

TEST(GgufValue, ScalarArraysArePackedAndWidened)
{
    std::vector<std::byte> packed(6);
    const std::int16_t values[3] = {-1, 2, 30000};
    std::memcpy(packed.data(), values, sizeof values);
    const GgufValue array = GgufValue::makeScalarArray(GgufValueType::Int16, packed);
    EXPECT_EQ(array.size(), 3u);
    EXPECT_EQ(array.arrayType(), GgufValueType::Int16);
    EXPECT_EQ(array.asIntArray(), (std::vector<std::int64_t>{-1, 2, 30000}));
    EXPECT_EQ(array.element(2).asInt(), 30000);
    EXPECT_EQ(array.element(0).type(), GgufValueType::Int16);
}

TEST(GgufValue, ToStringAbbreviatesLongArrays)
{
    std::vector<std::string> tokens;
    tokens.reserve(49152);
    for (int i = 0; i < 49152; ++i)
        tokens.push_back("t" + std::to_string(i));
    const std::string shown = GgufValue::makeStringArray(tokens).toString();
    EXPECT_TRUE(contains(shown, "\"t0\", \"t1\"")) << shown;
    EXPECT_TRUE(contains(shown, "49152 items")) << shown;
    EXPECT_LT(shown.size(), 200u);
}

TEST(GgufValue, ToStringFormatsScalars)
{
    EXPECT_EQ(GgufValue::makeUnsigned(GgufValueType::UInt32, 42).toString(), "42");
    EXPECT_EQ(GgufValue::makeSigned(GgufValueType::Int64, -5).toString(), "-5");
    EXPECT_EQ(GgufValue::makeFloat(GgufValueType::Float32, 0.1).toString(), "0.1");
    EXPECT_EQ(GgufValue::makeFloat(GgufValueType::Float32, 100000.0).toString(), "100000");
    EXPECT_EQ(GgufValue::makeFloat(GgufValueType::Float32, 1e-5).toString(), "1e-05");
    EXPECT_EQ(GgufValue::makeBool(false).toString(), "false");
    EXPECT_EQ(GgufValue::makeString("a\"b\n").toString(), "\"a\\\"b\\n\"");
    const GgufValue nested = GgufValue::makeArrayOfArrays({GgufValue::makeStringArray({"x"})});
    EXPECT_EQ(nested.toString(), "[[\"x\"]]");
}

TEST(GgufValue, ToStringCutsLongStrings)
{
    const std::string shown = GgufValue::makeString(std::string(5000, 'x')).toString();
    EXPECT_TRUE(contains(shown, "5000 bytes")) << shown;
    EXPECT_LT(shown.size(), 300u);
}

// ---- ggml types and the dequantizer on their own ----

TEST(GgufGgmlType, SizesFollowGgml)
{
    EXPECT_EQ(flatslice::core::ggmlBlockSize(GgmlType::Q4_K), 256u);
    EXPECT_EQ(flatslice::core::ggmlTypeSize(GgmlType::Q4_K), 144u);
    EXPECT_EQ(flatslice::core::ggmlTypeSize(GgmlType::Q3_K), 110u);
    EXPECT_EQ(flatslice::core::ggmlTypeSize(GgmlType::Q6_K), 210u);
    EXPECT_EQ(flatslice::core::ggmlTypeSize(GgmlType::Q8_1), 36u); // ggml's block_q8_1 (gguf-py says 40)
    EXPECT_EQ(flatslice::core::ggmlTypeSize(GgmlType::IQ4_XS), 136u);
    EXPECT_EQ(flatslice::core::ggmlTypeName(GgmlType::BF16), "BF16");
    EXPECT_FALSE(flatslice::core::ggmlTypeKnown(31)); // Q4_0_4_4, removed from ggml
    EXPECT_EQ(flatslice::core::ggmlTypeName(static_cast<GgmlType>(31)), "type 31");
    EXPECT_TRUE(flatslice::core::ggmlTypeDequantizable(GgmlType::Q6_K));
    EXPECT_FALSE(flatslice::core::ggmlTypeDequantizable(GgmlType::IQ2_XXS));
}

TEST(GgufDequant, RejectsPartialBlocksAndWrongOutputSize)
{
    std::vector<std::byte> src(18 * 2);
    std::vector<float> dst(64);
    EXPECT_NO_THROW(flatslice::core::dequantize(GgmlType::Q4_0, src, dst));
    const std::string partial = errorOf(
        [&] { flatslice::core::dequantize(GgmlType::Q4_0, std::span<const std::byte>(src).first(20), dst); });
    EXPECT_TRUE(contains(partial, "Q4_0")) << partial;
    const std::string wrongSize = errorOf(
        [&] { flatslice::core::dequantize(GgmlType::Q4_0, src, std::span<float>(dst).first(63)); });
    EXPECT_TRUE(contains(wrongSize, "63")) << wrongSize;
}

TEST(GgufDequant, RejectsUnsupportedType)
{
    std::vector<std::byte> src(66);
    std::vector<float> dst(256);
    const std::string message = errorOf([&] { flatslice::core::dequantize(GgmlType::IQ2_XXS, src, dst); });
    EXPECT_TRUE(contains(message, "IQ2_XXS")) << message;
}

TEST(GgufDequant, ThreadedSplitMatchesBlockByBlock)
{
    // 4096 Q4_K blocks (1M values) cut across threads must equal each block dequantized alone.
    const auto file = GgufFile::open(referenceGguf());
    const TensorView raw = file.raw("ref.q4_k");
    constexpr std::size_t kBlocks = 4096;
    std::vector<std::byte> src(kBlocks * 144);
    for (std::size_t b = 0; b < kBlocks; ++b) {
        std::memcpy(src.data() + b * 144, raw.bytes.data() + (b % 2) * 144, 144);
        src[b * 144 + 4] = static_cast<std::byte>(b & 0xff); // vary a scale byte so blocks differ
    }
    std::vector<float> all(kBlocks * 256);
    flatslice::core::dequantize(GgmlType::Q4_K, src, all);
    std::vector<float> one(256);
    for (std::size_t b = 0; b < kBlocks; ++b) {
        flatslice::core::dequantize(GgmlType::Q4_K, std::span<const std::byte>(src).subspan(b * 144, 144), one);
        ASSERT_TRUE(std::equal(one.begin(), one.end(), all.begin() + static_cast<std::ptrdiff_t>(b * 256)))
            << "block " << b;
    }
}

// ---- crafted files: layout rules that must hold ----

TEST(GgufCrafted, DefaultAlignmentIs32)
{
    FileSpec spec = oneTensor();
    spec.keyCount = 1;
    spec.keys.key("general.name", GgufValueType::String).str("x"); // header ends off a multiple of 32
    const CraftedFile crafted(build(spec));
    const auto file = GgufFile::open(crafted.path());
    EXPECT_EQ(file.alignment(), 32u);
    EXPECT_EQ(file.dataOffset() % 32, 0u);
    EXPECT_EQ(file.dataOffset() + 32, file.fileSize());
}

TEST(GgufCrafted, TensorDataIsReadAtAlignedOffset)
{
    FileSpec spec;
    spec.alignment = 128;
    spec.keyCount = 1;
    spec.keys.key("general.alignment", GgufValueType::UInt32).u32(128);
    spec.tensors = {{"a", {4}, 0, 0}, {"b", {4}, 0, 128}};
    spec.data.f32(1).f32(2).f32(3).f32(4).fill(128 - 16).f32(5).f32(6).f32(7).f32(8);
    const CraftedFile crafted(build(spec));
    const auto file = GgufFile::open(crafted.path());
    EXPECT_EQ(file.alignment(), 128u);
    EXPECT_EQ(file.dataOffset() % 128, 0u);
    EXPECT_EQ(floats(file.dequantize("b")), (std::vector<float>{5, 6, 7, 8}));
}

TEST(GgufCrafted, MisalignedF32IsCopied)
{
    // Alignment 1 is a power of two; with a 1-byte key value the F32 data starts at an odd address.
    FileSpec spec;
    spec.alignment = 1;
    spec.keyCount = 2;
    spec.keys.key("general.alignment", GgufValueType::UInt32).u32(1);
    spec.keys.key("pad", GgufValueType::UInt8).u8(0);
    spec.tensors = {{"t", {2}, 0, 0}};
    spec.data.f32(1.5f).f32(-2.0f);
    const CraftedFile crafted(build(spec));
    const auto file = GgufFile::open(crafted.path());
    ASSERT_NE(file.dataOffset() % alignof(float), 0u);
    const TensorView view = file.dequantize("t");
    EXPECT_NE(view.bytes.data(), file.raw("t").bytes.data());
    EXPECT_EQ(floats(view), (std::vector<float>{1.5f, -2.0f}));
}

TEST(GgufCrafted, UndequantizableTypeNamesTensorAndType)
{
    FileSpec spec;
    spec.tensors = {{"iq", {256}, static_cast<std::uint32_t>(GgmlType::IQ2_XXS), 0}};
    spec.data.fill(66);
    const CraftedFile crafted(build(spec));
    const auto file = GgufFile::open(crafted.path());
    EXPECT_EQ(file.raw("iq").bytes.size(), 66u);
    const std::string message = errorOf([&] { (void)file.dequantize("iq"); });
    EXPECT_TRUE(contains(message, "'iq'")) << message;
    EXPECT_TRUE(contains(message, "IQ2_XXS")) << message;
}

TEST(GgufCrafted, Version2IsRead)
{
    FileSpec spec = oneTensor();
    spec.version = 2;
    const CraftedFile crafted(build(spec));
    EXPECT_EQ(GgufFile::open(crafted.path()).version(), 2u);
}

TEST(GgufCrafted, EmptyArrayIsAllowed)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("empty", GgufValueType::Array).type(GgufValueType::Int32).u64(0);
    const CraftedFile crafted(build(spec));
    const auto file = GgufFile::open(crafted.path());
    EXPECT_EQ(file.get("empty").size(), 0u);
    EXPECT_TRUE(file.get("empty").asIntArray().empty());
}

// ---- crafted malformed files: each must fail with a message naming the problem ----

TEST(GgufMalformed, BadMagic)
{
    Bytes bytes;
    bytes.raw("GGUX").u32(3).u64(0).u64(0);
    EXPECT_TRUE(openFails(bytes, {"magic", "GGUX", "GGUF"}));
}

TEST(GgufMalformed, VersionOneIsUnsupported)
{
    FileSpec spec;
    spec.version = 1;
    EXPECT_TRUE(openFails(build(spec), {"version 1", "unsupported"}));
}

TEST(GgufMalformed, FutureVersionIsUnsupported)
{
    FileSpec spec;
    spec.version = 4;
    EXPECT_TRUE(openFails(build(spec), {"version 4"}));
}

TEST(GgufMalformed, BigEndianIsUnsupported)
{
    FileSpec spec;
    spec.version = 0x03000000u; // 3, written big-endian
    EXPECT_TRUE(openFails(build(spec), {"big-endian"}));
}

TEST(GgufMalformed, TruncatedHeader)
{
    Bytes bytes;
    bytes.raw("GGUF").u32(3).u32(0); // tensor count cut in half
    EXPECT_TRUE(openFails(bytes, {"truncated", "tensor count"}));
}

TEST(GgufMalformed, EmptyFile)
{
    EXPECT_TRUE(openFails(Bytes(), {"truncated", "magic"}));
}

TEST(GgufMalformed, TensorCountBeyondFile)
{
    Bytes bytes;
    bytes.raw("GGUF").u32(3).u64(1'000'000'000'000ull).u64(0).fill(64);
    EXPECT_TRUE(openFails(bytes, {"tensor count 1000000000000"}));
}

TEST(GgufMalformed, KeyCountBeyondFile)
{
    Bytes bytes;
    bytes.raw("GGUF").u32(3).u64(0).u64(~0ull).fill(64);
    EXPECT_TRUE(openFails(bytes, {"metadata key count 18446744073709551615"}));
}

TEST(GgufMalformed, StringLengthBeyondFile)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("general.name", GgufValueType::String).u64(1'000'000).raw("short");
    EXPECT_TRUE(openFails(build(spec), {"general.name", "string length 1000000"}));
}

TEST(GgufMalformed, KeyLengthBeyondFile)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.u64(~0ull).raw("key").fill(16);
    EXPECT_TRUE(openFails(build(spec), {"metadata key #0", "string length 18446744073709551615"}));
}

TEST(GgufMalformed, ArrayLengthBeyondFile)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("tokenizer.ggml.token_type", GgufValueType::Array).type(GgufValueType::Int32).u64(1ull << 40);
    spec.keys.fill(64);
    EXPECT_TRUE(openFails(build(spec), {"tokenizer.ggml.token_type", "array of 1099511627776 INT32"}));
}

TEST(GgufMalformed, StringArrayLengthBeyondFile)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("tokenizer.ggml.tokens", GgufValueType::Array).type(GgufValueType::String).u64(1ull << 60);
    spec.keys.fill(64);
    EXPECT_TRUE(openFails(build(spec), {"tokenizer.ggml.tokens", "array of 1152921504606846976 STRING"}));
}

TEST(GgufMalformed, UnknownValueType)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.str("weird").u32(13).u32(0);
    EXPECT_TRUE(openFails(build(spec), {"'weird'", "unknown value type 13"}));
}

TEST(GgufMalformed, UnknownArrayElementType)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("weird", GgufValueType::Array).u32(99).u64(1).u32(0);
    EXPECT_TRUE(openFails(build(spec), {"'weird'", "unknown value type 99"}));
}

TEST(GgufMalformed, DuplicateKey)
{
    FileSpec spec;
    spec.keyCount = 2;
    spec.keys.key("general.name", GgufValueType::String).str("a");
    spec.keys.key("general.name", GgufValueType::String).str("b");
    EXPECT_TRUE(openFails(build(spec), {"duplicate metadata key 'general.name'"}));
}

TEST(GgufMalformed, ControlCharactersInNamesAreEscaped)
{
    FileSpec spec;
    spec.keyCount = 2;
    spec.keys.key("a\nb", GgufValueType::UInt8).u8(1);
    spec.keys.key("a\nb", GgufValueType::UInt8).u8(2);
    EXPECT_TRUE(openFails(build(spec), {"duplicate metadata key 'a\\x0ab'"})); // and one line, as always
}

TEST(GgufMalformed, BoolOtherThanZeroOrOne)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("flag", GgufValueType::Bool).u8(7);
    EXPECT_TRUE(openFails(build(spec), {"'flag'", "BOOL holding 7"}));
}

TEST(GgufMalformed, ArraysNestedTooDeep)
{
    FileSpec spec;
    spec.keyCount = 1;
    spec.keys.key("deep", GgufValueType::Array);
    for (int i = 0; i < 40; ++i)
        spec.keys.type(GgufValueType::Array).u64(1);
    spec.keys.type(GgufValueType::UInt8).u64(0);
    EXPECT_TRUE(openFails(build(spec), {"'deep'", "nested deeper"}));
}

TEST(GgufMalformed, AlignmentNotPowerOfTwo)
{
    FileSpec spec = oneTensor();
    spec.keyCount = 1;
    spec.keys.key("general.alignment", GgufValueType::UInt32).u32(48);
    EXPECT_TRUE(openFails(build(spec), {"general.alignment 48", "power of two"}));
}

TEST(GgufMalformed, AlignmentZero)
{
    FileSpec spec = oneTensor();
    spec.keyCount = 1;
    spec.keys.key("general.alignment", GgufValueType::UInt32).u32(0);
    EXPECT_TRUE(openFails(build(spec), {"general.alignment 0", "power of two"}));
}

TEST(GgufMalformed, AlignmentNotAnInteger)
{
    FileSpec spec = oneTensor();
    spec.keyCount = 1;
    spec.keys.key("general.alignment", GgufValueType::String).str("32");
    EXPECT_TRUE(openFails(build(spec), {"general.alignment", "STRING"}));
}

TEST(GgufMalformed, ZeroDimensionCount)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {}, 0, 0})), {"tensor 't'", "0 dimensions"}));
}

TEST(GgufMalformed, TooManyDimensions)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {1, 1, 1, 1, 8}, 0, 0})), {"tensor 't'", "5 dimensions"}));
}

TEST(GgufMalformed, ZeroDimension)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {8, 0}, 0, 0})), {"tensor 't'", "zero dimension", "[8, 0]"}));
}

TEST(GgufMalformed, DimensionProductOverflows)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {1ull << 32, 1ull << 32}, 0, 0})),
                          {"tensor 't'", "[4294967296, 4294967296]", "overflow"}));
}

TEST(GgufMalformed, UnknownGgmlType)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {8}, 99, 0})), {"tensor 't'", "unknown ggml type 99"}));
}

TEST(GgufMalformed, RemovedGgmlTypeIsUnknown)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {8}, 31, 0})), {"tensor 't'", "unknown ggml type 31"}));
}

TEST(GgufMalformed, RowNotMultipleOfBlockSize)
{
    // 48 Q4_0 elements: 1.5 blocks.
    EXPECT_TRUE(openFails(build(oneTensor({"t", {48}, static_cast<std::uint32_t>(GgmlType::Q4_0), 0})),
                          {"tensor 't'", "48", "Q4_0", "block size 32"}));
}

TEST(GgufMalformed, MisalignedOffset)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {2}, 0, 8})), {"tensor 't'", "offset 8", "alignment 32"}));
}

TEST(GgufMalformed, DataPastEndOfFile)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {16}, 0, 0})), {"tensor 't'", "[0, 64)", "past the end"}));
}

TEST(GgufMalformed, HugeOffsetPastEndOfFile)
{
    EXPECT_TRUE(openFails(build(oneTensor({"t", {8}, 0, ~0ull - 31})), {"tensor 't'", "past the end"}));
}

TEST(GgufMalformed, OverlappingTensors)
{
    FileSpec spec;
    spec.tensors = {{"a", {16}, 0, 0}, {"b", {8}, 0, 32}};
    spec.data.fill(96);
    EXPECT_TRUE(openFails(build(spec), {"'a'", "'b'", "[0, 64)", "[32, 64)", "overlap"}));
}

TEST(GgufMalformed, DuplicateTensorNames)
{
    FileSpec spec;
    spec.tensors = {{"w", {8}, 0, 0}, {"w", {8}, 0, 32}};
    spec.data.fill(64);
    EXPECT_TRUE(openFails(build(spec), {"duplicate tensor name 'w'"}));
}

TEST(GgufMalformed, TruncatedTensorInfo)
{
    // A long name keeps the file above the smallest possible tensor info, so the count check passes.
    Bytes cut;
    cut.raw("GGUF").u32(3).u64(1).u64(0).str("a_long_tensor_name").u32(2).u64(8); // ne[1] missing
    EXPECT_TRUE(openFails(cut, {"truncated", "tensor 'a_long_tensor_name' ne[1]"}));
}

// ---- the real demo model (fetched by ./dev setup) ----

TEST(GgufDemoModel, ListsThirtyLlamaBlocks)
{
    const auto path = flatslice::test::demoModel();
    if (path.empty())
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
    const auto file = GgufFile::open(path);
    EXPECT_EQ(file.get("general.architecture").asString(), "llama");
    std::set<int> blocks;
    for (const auto& info : file.tensors()) {
        if (info.name.rfind("blk.", 0) == 0)
            blocks.insert(std::stoi(info.name.substr(4)));
    }
    ASSERT_EQ(blocks.size(), 30u);
    EXPECT_EQ(*blocks.begin(), 0);
    EXPECT_EQ(*blocks.rbegin(), 29);
    EXPECT_NE(file.findTensor("blk.29.ffn_down.weight"), nullptr);
    EXPECT_EQ(file.get("llama.block_count").asUInt(), 30u);
}

TEST(GgufDemoModel, TokenEmbeddingDequantizesToFiniteValues)
{
    const auto path = flatslice::test::demoModel();
    if (path.empty())
        FLATSLICE_SKIP_UNLESS_REQUIRED() << "demo model not present (run ./dev setup)";
    const auto file = GgufFile::open(path);
    const auto* info = file.findTensor("token_embd.weight");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->shape, (std::vector<std::int64_t>{49152, 576}));
    const TensorView view = file.dequantize("token_embd.weight");
    ASSERT_EQ(view.numel(), 49152 * 576);
    const std::vector<float> values = floats(view);
    EXPECT_TRUE(std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); }));
}
