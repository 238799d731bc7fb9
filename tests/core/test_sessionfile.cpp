// SPDX-License-Identifier: GPL-3.0-or-later
#include <gtest/gtest.h>

// flatslice_core links HDF5 privately, so this target does not get HDF5's include directory; the C API header is
// reachable by its full path (its own includes are relative), the C++ one is not. Malformed files are crafted
// with the C API for that reason.
#include <hdf5/serial/hdf5.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "analysis/sessionfile.h"
#include "testsupport.h"
#include "util/error.h"

using namespace flatslice::core;
namespace fs = std::filesystem;

namespace {

const char* kTinyConfig = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 64, "hidden_size": 8,
  "intermediate_size": 12, "num_hidden_layers": 3, "num_attention_heads": 2, "num_key_value_heads": 1,
  "max_position_embeddings": 128, "rms_norm_eps": 1e-06, "rope_theta": 10000, "tie_word_embeddings": true,
  "bos_token_id": 1, "eos_token_id": 2
})";

std::vector<double> randomVector(std::mt19937_64& rng, std::size_t n)
{
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    std::vector<double> v(n);
    for (double& x : v)
        x = uniform(rng);
    return v;
}

// A d x d row-major orthonormal matrix (Gram-Schmidt over random columns), so the h5py check sees real
// eigenvectors.
std::vector<double> randomOrthonormal(std::mt19937_64& rng, std::size_t d)
{
    std::vector<double> m = randomVector(rng, d * d);
    for (std::size_t j = 0; j < d; ++j) {
        for (int pass = 0; pass < 2; ++pass) // twice is enough for orthogonality to rounding
            for (std::size_t k = 0; k < j; ++k) {
                double dot = 0.0;
                for (std::size_t i = 0; i < d; ++i)
                    dot += m[i * d + j] * m[i * d + k];
                for (std::size_t i = 0; i < d; ++i)
                    m[i * d + j] -= dot * m[i * d + k];
            }
        double norm = 0.0;
        for (std::size_t i = 0; i < d; ++i)
            norm += m[i * d + j] * m[i * d + j];
        norm = std::sqrt(norm);
        for (std::size_t i = 0; i < d; ++i)
            m[i * d + j] /= norm;
    }
    return m;
}

Spectrum randomSpectrum(std::mt19937_64& rng, std::size_t d)
{
    Spectrum s;
    double value = 10.0;
    for (std::size_t i = 0; i < d; ++i, value *= 0.5)
        s.eigenvalues.push_back(value);
    if (d <= 64) {
        s.eigenvectors = randomOrthonormal(rng, d);
    } else {
        // Gram-Schmidt is too slow for the timing test; random values of an eigenvector's magnitude compress alike.
        s.eigenvectors = randomVector(rng, d * d);
        for (double& x : s.eigenvectors)
            x /= std::sqrt(static_cast<double>(d));
    }
    s.dim90 = 3;
    s.dim95 = 4;
    s.dim99 = static_cast<std::int64_t>(d);
    return s;
}

// Three blocks of a tiny Llama; block 1 is stored as a parallel block (empty MLP spectrum).
AnalysisResult syntheticResult(std::size_t blocks = 3, const std::string& configJson = kTinyConfig)
{
    std::mt19937_64 rng(7);
    AnalysisResult r;
    r.model.path = "/models/smöl-模型";
    r.model.format = "safetensors";
    r.model.configJson = configJson;
    r.model.files = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
    r.model.fileSha256 = {std::string(64, 'a'), std::string(64, 'b')};
    r.config = parseHfConfig(configJson, "config.json");
    r.protocol.corpusPath = "/data/wikitext-2/valid — copy.txt";
    r.protocol.corpusSha256 = std::string(64, 'c');
    r.protocol.samples = 16;
    r.protocol.seqlen = 32;
    r.protocol.seed = 0xFFFFFFFFFFFFFFF1ull; // above INT64_MAX: must survive as unsigned
    r.protocol.dtype = "BF16";
    r.protocol.flatsliceVersion = "0.1.0";
    r.protocol.corpusTokens = 299'999;
    const auto hidden = static_cast<std::size_t>(r.config.hiddenSize);
    const auto heads = static_cast<std::size_t>(r.config.numHeads);
    const auto channels = static_cast<std::size_t>(r.config.intermediateSize);
    for (std::size_t i = 0; i < blocks; ++i) {
        BlockAnalysis b;
        b.cosInOut = 0.9 + 0.01 * static_cast<double>(i);
        b.blockInfluence = 1.0 - b.cosInOut;
        b.cosHistogram = randomVector(rng, AnalysisResult::kCosBins);
        b.attnInput = randomSpectrum(rng, hidden);
        if (i != 1)
            b.mlpInput = randomSpectrum(rng, hidden);
        b.headScore = randomVector(rng, heads);
        b.headContribution = randomVector(rng, heads);
        b.headActNorm = randomVector(rng, heads);
        b.headWeightNorm = randomVector(rng, heads);
        b.channelScore = randomVector(rng, channels);
        b.channelLambda = 0.125 * static_cast<double>(i + 1);
        b.channelActNorm = randomVector(rng, channels);
        b.channelWeightNorm = randomVector(rng, channels);
        r.blocks.push_back(b);
    }
    r.anyToAny = randomVector(rng, (blocks + 1) * (blocks + 1));
    r.warnings = {"calibration text shares 12 long n-grams with the evaluation text", "naïve — ünïcödé ✓"};
    r.seconds = 12.5;
    return r;
}

void expectSpectraEqual(const Spectrum& a, const Spectrum& b)
{
    EXPECT_EQ(a.eigenvalues, b.eigenvalues);
    EXPECT_EQ(a.eigenvectors, b.eigenvectors);
    EXPECT_EQ(a.dim90, b.dim90);
    EXPECT_EQ(a.dim95, b.dim95);
    EXPECT_EQ(a.dim99, b.dim99);
}

void expectResultsEqual(const AnalysisResult& a, const AnalysisResult& b)
{
    EXPECT_EQ(a.model.path, b.model.path);
    EXPECT_EQ(a.model.format, b.model.format);
    EXPECT_EQ(a.model.configJson, b.model.configJson);
    EXPECT_EQ(a.model.files, b.model.files);
    EXPECT_EQ(a.model.fileSha256, b.model.fileSha256);
    EXPECT_EQ(a.config.architecture, b.config.architecture);
    EXPECT_EQ(a.config.hiddenSize, b.config.hiddenSize);
    EXPECT_EQ(a.config.intermediateSize, b.config.intermediateSize);
    EXPECT_EQ(a.config.numLayers, b.config.numLayers);
    EXPECT_EQ(a.config.numHeads, b.config.numHeads);
    EXPECT_EQ(a.config.numKvHeads, b.config.numKvHeads);
    EXPECT_EQ(a.config.eosTokenIds, b.config.eosTokenIds);
    EXPECT_EQ(a.config.normEps, b.config.normEps);
    EXPECT_EQ(a.config.tieWordEmbeddings, b.config.tieWordEmbeddings);
    EXPECT_EQ(a.protocol.corpusPath, b.protocol.corpusPath);
    EXPECT_EQ(a.protocol.corpusSha256, b.protocol.corpusSha256);
    EXPECT_EQ(a.protocol.samples, b.protocol.samples);
    EXPECT_EQ(a.protocol.seqlen, b.protocol.seqlen);
    EXPECT_EQ(a.protocol.seed, b.protocol.seed);
    EXPECT_EQ(a.protocol.dtype, b.protocol.dtype);
    EXPECT_EQ(a.protocol.flatsliceVersion, b.protocol.flatsliceVersion);
    EXPECT_EQ(a.protocol.corpusTokens, b.protocol.corpusTokens);
    ASSERT_EQ(a.blocks.size(), b.blocks.size());
    for (std::size_t i = 0; i < a.blocks.size(); ++i) {
        SCOPED_TRACE("block " + std::to_string(i));
        const BlockAnalysis& x = a.blocks[i];
        const BlockAnalysis& y = b.blocks[i];
        EXPECT_EQ(x.cosInOut, y.cosInOut);
        EXPECT_EQ(x.blockInfluence, y.blockInfluence);
        EXPECT_EQ(x.cosHistogram, y.cosHistogram);
        expectSpectraEqual(x.attnInput, y.attnInput);
        expectSpectraEqual(x.mlpInput, y.mlpInput);
        EXPECT_EQ(x.headScore, y.headScore);
        EXPECT_EQ(x.headContribution, y.headContribution);
        EXPECT_EQ(x.headActNorm, y.headActNorm);
        EXPECT_EQ(x.headWeightNorm, y.headWeightNorm);
        EXPECT_EQ(x.channelScore, y.channelScore);
        EXPECT_EQ(x.channelLambda, y.channelLambda);
        EXPECT_EQ(x.channelActNorm, y.channelActNorm);
        EXPECT_EQ(x.channelWeightNorm, y.channelWeightNorm);
    }
    EXPECT_EQ(a.anyToAny, b.anyToAny);
    EXPECT_EQ(a.warnings, b.warnings);
    EXPECT_EQ(a.seconds, b.seconds);
}

// Runs `body`, which must throw Error; checks that its message names `file` and mentions `needle`.
template <class F>
void expectErrorMentions(F&& body, const fs::path& file, const std::string& needle)
{
    try {
        body();
        ADD_FAILURE() << "expected an Error mentioning '" << needle << "'";
    } catch (const Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(file.filename().string()), std::string::npos) << message;
        EXPECT_NE(message.find(needle), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << "one line expected: " << message;
    }
}

void expectReadFails(const fs::path& file, const std::string& needle)
{
    expectErrorMentions([&] { readSession(file); }, file, needle);
}

std::vector<std::string> namesIn(const fs::path& dir)
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    return names;
}

// An HDF5 file opened read-write through the C API, for crafting malformed sessions.
class RawFile {
public:
    explicit RawFile(const fs::path& path)
    {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        m_id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        EXPECT_GE(m_id, 0) << path;
    }
    ~RawFile() { H5Fclose(m_id); }
    RawFile(const RawFile&) = delete;
    RawFile& operator=(const RawFile&) = delete;

    void remove(const char* path) { EXPECT_GE(H5Ldelete(m_id, path, H5P_DEFAULT), 0) << path; }

    void replaceDoubles(const char* path, std::vector<hsize_t> dims)
    {
        remove(path);
        const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
        const hid_t set = H5Dcreate2(m_id, path, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        EXPECT_GE(set, 0) << path;
        H5Dclose(set);
        H5Sclose(space);
    }

    void setRootInt(const char* name, std::int32_t value)
    {
        H5Adelete(m_id, name); // absent is fine
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t attribute = H5Acreate2(m_id, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT);
        EXPECT_GE(H5Awrite(attribute, H5T_NATIVE_INT32, &value), 0);
        H5Aclose(attribute);
        H5Sclose(space);
    }

    // numpy's `S` dtype: fixed-length, NUL-padded ASCII.
    void replaceWithFixedStrings(const char* path, const std::vector<std::string>& values, std::size_t length)
    {
        remove(path);
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, length);
        H5Tset_strpad(type, H5T_STR_NULLPAD);
        const hsize_t count = values.size();
        const hid_t space = H5Screate_simple(1, &count, nullptr);
        const hid_t set = H5Dcreate2(m_id, path, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        std::string buffer;
        for (const std::string& value : values)
            buffer += value + std::string(length - value.size(), '\0');
        EXPECT_GE(H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), 0);
        H5Dclose(set);
        H5Sclose(space);
        H5Tclose(type);
    }

    void replaceWithFixedStringAttribute(const char* object, const char* name, const std::string& value)
    {
        H5Adelete_by_name(m_id, object, name, H5P_DEFAULT);
        const hid_t type = H5Tcopy(H5T_C_S1);
        H5Tset_size(type, value.size());
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t attribute = H5Acreate_by_name(m_id, object, name, type, space, H5P_DEFAULT, H5P_DEFAULT,
                                                  H5P_DEFAULT);
        EXPECT_GE(H5Awrite(attribute, type, value.data()), 0);
        H5Aclose(attribute);
        H5Sclose(space);
        H5Tclose(type);
    }

private:
    hid_t m_id = -1;
};

} // namespace

TEST(SessionFile, RoundTripsEveryField)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "séance-模型.flatslice.h5";
    const AnalysisResult written = syntheticResult();
    writeSession(path, written);
    expectResultsEqual(written, readSession(path));

    // For tests/reference/check_session_h5py.py: a sample written by this very code.
    if (const char* sample = std::getenv("FLATSLICE_SESSION_SAMPLE"); sample && *sample)
        writeSession(sample, written);
}

TEST(SessionFile, ParallelBlockKeepsAnEmptyMlpSpectrum)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    const AnalysisResult read = readSession(path);
    EXPECT_TRUE(read.blocks[1].mlpInput.eigenvalues.empty());
    EXPECT_TRUE(read.blocks[1].mlpInput.eigenvectors.empty());
    EXPECT_EQ(read.blocks[0].mlpInput.eigenvalues.size(), 8u);
}

TEST(SessionFile, EmptyListsRoundTrip)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    AnalysisResult written = syntheticResult();
    written.warnings.clear();
    written.model.files.clear();
    written.model.fileSha256.clear();
    writeSession(path, written);
    expectResultsEqual(written, readSession(path));
}

// A session touched by a Python script may come back with numpy's fixed-length strings; they read the same.
TEST(SessionFile, ReadsFixedLengthStringsAsNumpyWritesThem)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    {
        RawFile raw(path);
        raw.replaceWithFixedStrings("/warnings", {"short", "exactly ten"}, 11);
        raw.replaceWithFixedStringAttribute("/model", "format", "gguf");
    }
    const AnalysisResult read = readSession(path);
    EXPECT_EQ(read.warnings, (std::vector<std::string>{"short", "exactly ten"}));
    EXPECT_EQ(read.model.format, "gguf");
}

TEST(SessionFile, FormatVersionIsOne)
{
    EXPECT_EQ(sessionFormatVersion(), 1);
}

TEST(SessionFile, OverwritesAnExistingSession)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    AnalysisResult second = syntheticResult();
    second.seconds = 99.0;
    writeSession(path, second);
    EXPECT_EQ(readSession(path).seconds, 99.0);
    EXPECT_EQ(namesIn(scratch.path()), std::vector<std::string>{"s.flatslice.h5"});
}

TEST(SessionFile, FailedWriteLeavesTargetUntouchedAndNoPartialFile)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    const std::string before = flatslice::test::readFile(path);

    // Block 0 is written before block 1 is found malformed: the failure happens mid-file.
    AnalysisResult bad = syntheticResult();
    bad.blocks[1].attnInput.eigenvectors.pop_back();
    expectErrorMentions([&] { writeSession(path, bad); }, path, "/blocks/001/attn_eigenvectors");

    EXPECT_EQ(flatslice::test::readFile(path), before);
    EXPECT_EQ(namesIn(scratch.path()), std::vector<std::string>{"s.flatslice.h5"});
}

TEST(SessionFile, WriteIntoMissingDirectoryNamesTheFile)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "no-such-dir" / "s.flatslice.h5";
    expectErrorMentions([&] { writeSession(path, syntheticResult()); }, path, "No such file or directory");
}

TEST(SessionFile, WriteIntoReadOnlyDirectoryLeavesNothing)
{
    flatslice::test::ScratchDir scratch;
    const fs::path dir = scratch / "ro";
    fs::create_directory(dir);
    ::chmod(dir.c_str(), 0555);
    if (::access(dir.c_str(), W_OK) == 0) {
        ::chmod(dir.c_str(), 0755);
        GTEST_SKIP() << "running with privileges that ignore directory permissions";
    }
    expectErrorMentions([&] { writeSession(dir / "s.flatslice.h5", syntheticResult()); }, dir / "s.flatslice.h5",
                        "temporary file");
    EXPECT_TRUE(fs::is_empty(dir));
    ::chmod(dir.c_str(), 0755);
}

TEST(SessionFile, WriteRejectsInconsistentSizes)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    AnalysisResult noConfig = syntheticResult();
    noConfig.model.configJson.clear();
    expectErrorMentions([&] { writeSession(path, noConfig); }, path, "configJson");
    AnalysisResult badMatrix = syntheticResult();
    badMatrix.anyToAny.pop_back();
    expectErrorMentions([&] { writeSession(path, badMatrix); }, path, "any_to_any");
    AnalysisResult badHeads = syntheticResult();
    badHeads.blocks[2].headActNorm.push_back(1.0);
    expectErrorMentions([&] { writeSession(path, badHeads); }, path, "/blocks/002/head_act_norm");
    AnalysisResult missingBlock = syntheticResult(2);
    expectErrorMentions([&] { writeSession(path, missingBlock); }, path, "num_hidden_layers");
    EXPECT_TRUE(fs::is_empty(scratch.path()));
}

TEST(SessionFile, ReadingMissingFileNamesIt)
{
    flatslice::test::ScratchDir scratch;
    expectReadFails(scratch / "absent.flatslice.h5", "no such file");
}

TEST(SessionFile, ReadingNonHdf5FileIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "notes.flatslice.h5";
    flatslice::test::writeFile(path, std::string("this is not HDF5 at all\n"));
    expectReadFails(path, "not an HDF5 file");
}

TEST(SessionFile, ReadingTruncatedFileIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    const std::string bytes = flatslice::test::readFile(path);
    flatslice::test::writeFile(path, bytes.substr(0, bytes.size() / 2));
    expectReadFails(path, "truncated");
}

TEST(SessionFile, ReadingFailuresPrintNothing)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    const std::string bytes = flatslice::test::readFile(path);
    flatslice::test::writeFile(path, bytes.substr(0, bytes.size() / 2));
    testing::internal::CaptureStderr();
    EXPECT_THROW(readSession(path), Error);
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(SessionFile, ReadingHdf5WithoutFormatAttributeIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "plain.h5";
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    H5Fclose(file);
    expectReadFails(path, "not a flatslice session");
}

TEST(SessionFile, ReadingNewerFormatVersionIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).setRootInt("format_version", 99);
    expectReadFails(path, "format_version 99 is not supported");
}

TEST(SessionFile, ReadingWithoutFormatVersionIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).remove("/blocks/000/head_score"); // unrelated damage must not mask the version check
    {
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        ASSERT_GE(file, 0);
        EXPECT_GE(H5Adelete(file, "format_version"), 0);
        H5Fclose(file);
    }
    expectReadFails(path, "missing attribute /@format_version");
}

TEST(SessionFile, ReadingMissingDatasetNamesIt)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).remove("/blocks/001/head_score");
    expectReadFails(path, "missing dataset /blocks/001/head_score");
}

TEST(SessionFile, ReadingMissingBlockNamesIt)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).remove("/blocks/002");
    expectReadFails(path, "/blocks holds 2 objects, expected 3");
}

TEST(SessionFile, ReadingWrongSizeDatasetNamesItAndTheSizes)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).replaceDoubles("/blocks/000/attn_eigenvalues", {7});
    expectReadFails(path, "dataset /blocks/000/attn_eigenvalues has shape (7,), expected (8,)");
}

TEST(SessionFile, ReadingWrongRankEigenvectorsIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).replaceDoubles("/blocks/002/mlp_eigenvectors", {64});
    expectReadFails(path, "dataset /blocks/002/mlp_eigenvectors has rank 1, expected 2");
}

TEST(SessionFile, ReadingWrongAnyToAnyIsAnError)
{
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "s.flatslice.h5";
    writeSession(path, syntheticResult());
    RawFile(path).replaceDoubles("/similarity/any_to_any", {3, 3});
    expectReadFails(path, "expected (4, 4)");
}

// Not part of the fast suite: the size of a SmolLM-135M session (30 blocks, hidden 576, two 576 x 576
// eigenvector matrices each). Run with --gtest_also_run_disabled_tests to see the timings.
TEST(SessionFile, DISABLED_TimingThirtyBlocksOf576)
{
    const std::string config = R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 49152,
        "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
        "num_key_value_heads": 3, "max_position_embeddings": 8192})";
    AnalysisResult r = syntheticResult(30, config);
    flatslice::test::ScratchDir scratch;
    const fs::path path = scratch / "big.flatslice.h5";
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    writeSession(path, r);
    const auto t1 = Clock::now();
    const AnalysisResult read = readSession(path);
    const auto t2 = Clock::now();
    const double raw = 30.0 * 2 * 576 * 576 * 8;
    std::printf("write %.3f s, read %.3f s, file %.1f MB (eigenvectors raw %.1f MB)\n",
                std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(),
                static_cast<double>(fs::file_size(path)) / 1e6, raw / 1e6);
    EXPECT_EQ(read.blocks[29].attnInput.eigenvectors, r.blocks[29].attnInput.eigenvectors);
}
