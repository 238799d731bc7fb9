// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/sessionfile.h"

#include <H5Cpp.h>

#include <array>
#include <chrono>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "format/durablefile.h"
#include "format/hdf5call.h"
#include "util/error.h"

namespace flatslice::core {
namespace {

namespace fs = std::filesystem;
using Dims = std::vector<hsize_t>;

constexpr std::int32_t kFormatVersion = 1;
constexpr const char* kFormatName = "flatslice-session";

[[noreturn]] void fail(const fs::path& file, const std::string& what)
{
    throw Error(file.string() + ": " + what);
}

// ---------------------------------------------------------------------------------------------------------------
// The shapes everything is checked against, from the stored config.json.

struct Shape {
    hsize_t hidden = 0;
    hsize_t intermediate = 0;
    hsize_t heads = 0;
    hsize_t layers = 0;
};

Shape shapeOf(const ModelConfig& config)
{
    return {static_cast<hsize_t>(config.hiddenSize), static_cast<hsize_t>(config.intermediateSize),
            static_cast<hsize_t>(config.numHeads), static_cast<hsize_t>(config.numLayers)};
}

enum class Extent { Bins, Hidden, HiddenSquared, MlpHidden, MlpHiddenSquared, Heads, Channels };

// The shape a per-block dataset must have. `mlpPresent` is false for parallel blocks, whose MLP spectrum is empty.
Dims expectedDims(Extent extent, const Shape& s, bool mlpPresent)
{
    switch (extent) {
    case Extent::Bins: return {static_cast<hsize_t>(AnalysisResult::kCosBins)};
    case Extent::Hidden: return {s.hidden};
    case Extent::HiddenSquared: return {s.hidden, s.hidden};
    case Extent::MlpHidden: return {mlpPresent ? s.hidden : 0};
    case Extent::MlpHiddenSquared: return {mlpPresent ? s.hidden : 0, mlpPresent ? s.hidden : 0};
    case Extent::Heads: return {s.heads};
    case Extent::Channels: return {s.intermediate};
    }
    return {};
}

std::string meaningOf(Extent extent)
{
    switch (extent) {
    case Extent::Bins: return "kCosBins";
    case Extent::Hidden: return "hidden_size";
    case Extent::HiddenSquared: return "hidden_size x hidden_size";
    case Extent::MlpHidden: return "hidden_size, or 0 for a parallel block";
    case Extent::MlpHiddenSquared: return "hidden_size x hidden_size, or 0 x 0 for a parallel block";
    case Extent::Heads: return "num_attention_heads";
    case Extent::Channels: return "intermediate_size";
    }
    return {};
}

// Every float64 array of a block, in file order, with its dataset name. Works on const (writer) and mutable
// (reader) blocks alike so that the two sides cannot drift apart.
template <class Block, class F>
void forEachBlockArray(Block& b, F&& f)
{
    f("cos_histogram", Extent::Bins, b.cosHistogram);
    f("attn_eigenvalues", Extent::Hidden, b.attnInput.eigenvalues);
    f("attn_eigenvectors", Extent::HiddenSquared, b.attnInput.eigenvectors);
    f("mlp_eigenvalues", Extent::MlpHidden, b.mlpInput.eigenvalues);
    f("mlp_eigenvectors", Extent::MlpHiddenSquared, b.mlpInput.eigenvectors);
    f("head_score", Extent::Heads, b.headScore);
    f("head_contribution", Extent::Heads, b.headContribution);
    f("head_act_norm", Extent::Heads, b.headActNorm);
    f("head_weight_norm", Extent::Heads, b.headWeightNorm);
    f("channel_score", Extent::Channels, b.channelScore);
    f("channel_act_norm", Extent::Channels, b.channelActNorm);
    f("channel_weight_norm", Extent::Channels, b.channelWeightNorm);
}

template <class Block, class F>
void forEachSpectrum(Block& b, F&& f)
{
    f("attn_dims", b.attnInput, true);
    f("mlp_dims", b.mlpInput, !b.mlpInput.eigenvalues.empty());
}

hsize_t product(const Dims& dims)
{
    hsize_t n = 1;
    for (const hsize_t d : dims)
        n *= d;
    return n;
}

std::string dimsText(const Dims& dims)
{
    std::string text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i)
        text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + (dims.size() == 1 ? ",)" : ")");
}

std::string blockName(std::size_t index)
{
    std::string name = std::to_string(index);
    return name.size() < 3 ? std::string(3 - name.size(), '0') + name : name;
}

std::string nowIso8601()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing.

class SessionWriter {
public:
    SessionWriter(fs::path path, const AnalysisResult& result) : m_path(std::move(path)), m_result(result) {}

    void write()
    {
        const ModelConfig config = checkConfig();
        m_shape = shapeOf(config);
        checkTopLevel();

        // HDF5 writes the temporary file by name; the DurableFile created it exclusively beside the target and
        // fsyncs and renames it over the target once HDF5 has closed it (fsync flushes the file, whichever
        // descriptor wrote it).
        DurableFile partial(m_path, DurableFile::Naming::HiddenUnique);
        try {
            H5::H5File file(partial.partialPath().string(), H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT,
                            Hdf5Call::fileAccess());
            writeContents(file);
            m_where = "closing the file";
            file.close();
        } catch (const H5::Exception& e) {
            fail(m_path, "writing " + m_where + ": " + Hdf5Call::detail(e));
        }
        partial.commit();
    }

private:
    // The reader re-parses config.json; parse it here too so that every file we write can be read back.
    ModelConfig checkConfig() const
    {
        const AnalysisResult& r = m_result;
        if (r.model.configJson.empty())
            fail(m_path, "model.configJson is empty; a session must carry the analysed model's config.json");
        const ModelConfig parsed = parseHfConfig(r.model.configJson, m_path.string() + " (model.configJson)");
        const std::pair<const char*, std::pair<std::int64_t, std::int64_t>> fields[] = {
            {"hidden_size", {parsed.hiddenSize, r.config.hiddenSize}},
            {"intermediate_size", {parsed.intermediateSize, r.config.intermediateSize}},
            {"num_attention_heads", {parsed.numHeads, r.config.numHeads}},
            {"num_hidden_layers", {parsed.numLayers, r.config.numLayers}},
        };
        for (const auto& [name, values] : fields)
            if (values.first != values.second)
                fail(m_path, std::string("model.configJson says ") + name + " " + std::to_string(values.first) +
                                 " but the analysis config has " + std::to_string(values.second));
        return parsed;
    }

    void checkTopLevel() const
    {
        const AnalysisResult& r = m_result;
        if (r.blocks.size() != m_shape.layers)
            fail(m_path, "the analysis has " + std::to_string(r.blocks.size()) + " blocks but the model has " +
                             std::to_string(m_shape.layers) + " (num_hidden_layers)");
        const hsize_t depths = m_shape.layers + 1;
        checkCount("/similarity/any_to_any", r.anyToAny.size(), {depths, depths}, "(L+1) x (L+1)");
        if (r.model.files.size() != r.model.fileSha256.size())
            fail(m_path, "model has " + std::to_string(r.model.files.size()) + " files but " +
                             std::to_string(r.model.fileSha256.size()) + " sha256 values");
    }

    void checkCount(const std::string& object, std::size_t count, const Dims& dims, const std::string& meaning) const
    {
        if (count != product(dims))
            fail(m_path, object + " has " + std::to_string(count) + " values, expected " +
                             std::to_string(product(dims)) + " = " + dimsText(dims) + " for " + meaning);
    }

    void writeContents(H5::H5File& file)
    {
        const AnalysisResult& r = m_result;
        m_where = "/";
        H5::Group root = file.openGroup("/");
        writeString(root, "format", kFormatName);
        writeScalar(root, "format_version", H5::PredType::STD_I32LE, H5::PredType::NATIVE_INT32, kFormatVersion);
        writeString(root, "flatslice_version", FLATSLICE_VERSION);
        writeString(root, "created", nowIso8601());
        writeScalar(root, "seconds", H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE, r.seconds);

        m_where = "/model";
        H5::Group model = file.createGroup("model");
        writeString(model, "path", r.model.path);
        writeString(model, "format", r.model.format);
        writeString(model, "config_json", r.model.configJson);
        writeStrings(model, "/model", "files", r.model.files);
        writeStrings(model, "/model", "file_sha256", r.model.fileSha256);

        m_where = "/protocol";
        const CalibrationProtocol& p = r.protocol;
        H5::Group protocol = file.createGroup("protocol");
        writeString(protocol, "corpus_path", p.corpusPath);
        writeString(protocol, "corpus_sha256", p.corpusSha256);
        writeScalar(protocol, "samples", H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64, p.samples);
        writeScalar(protocol, "seqlen", H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64, p.seqlen);
        writeScalar(protocol, "seed", H5::PredType::STD_U64LE, H5::PredType::NATIVE_UINT64, p.seed);
        writeString(protocol, "dtype", p.dtype);
        writeString(protocol, "flatslice_version", p.flatsliceVersion);
        writeScalar(protocol, "corpus_tokens", H5::PredType::STD_I64LE, H5::PredType::NATIVE_INT64, p.corpusTokens);

        const hsize_t depths = m_shape.layers + 1;
        m_where = "/similarity";
        H5::Group similarity = file.createGroup("similarity");
        writeDoubles(similarity, "/similarity", "any_to_any", r.anyToAny, {depths, depths});

        m_where = "/blocks";
        H5::Group blocks = file.createGroup("blocks");
        for (std::size_t i = 0; i < r.blocks.size(); ++i)
            writeBlock(blocks, i, r.blocks[i]);

        m_where = "/warnings";
        writeStrings(root, "", "warnings", r.warnings);
    }

    // Sizes are checked as each block is written: a bad block costs the write, never the target.
    void writeBlock(H5::Group& blocks, std::size_t index, const BlockAnalysis& b)
    {
        const std::string groupPath = "/blocks/" + blockName(index);
        m_where = groupPath;
        const bool mlpPresent = !b.mlpInput.eigenvalues.empty();
        forEachBlockArray(b, [&](const char* name, Extent extent, const std::vector<double>& values) {
            checkCount(groupPath + "/" + name, values.size(), expectedDims(extent, m_shape, mlpPresent),
                       meaningOf(extent));
        });
        forEachSpectrum(b, [&](const char* name, const Spectrum& s, bool present) {
            const std::int64_t limit = present ? static_cast<std::int64_t>(m_shape.hidden) : 0;
            for (const std::int64_t dim : {s.dim90, s.dim95, s.dim99})
                if (dim < 0 || dim > limit)
                    fail(m_path, groupPath + "/" + name + " holds " + std::to_string(dim) + ", outside [0, " +
                                     std::to_string(limit) + "]");
        });

        H5::Group group = blocks.createGroup(blockName(index));
        writeScalar(group, "cos_in_out", H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE, b.cosInOut);
        writeScalar(group, "block_influence", H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE, b.blockInfluence);
        writeScalar(group, "channel_lambda", H5::PredType::IEEE_F64LE, H5::PredType::NATIVE_DOUBLE, b.channelLambda);
        forEachBlockArray(b, [&](const char* name, Extent extent, const std::vector<double>& values) {
            writeDoubles(group, groupPath, name, values, expectedDims(extent, m_shape, mlpPresent));
        });
        forEachSpectrum(b, [&](const char* name, const Spectrum& s, bool /*present*/) {
            const std::array<std::int64_t, 3> dims{s.dim90, s.dim95, s.dim99};
            setWhere(groupPath, name);
            const hsize_t extent = dims.size();
            H5::DataSet set = group.createDataSet(name, H5::PredType::STD_I64LE, H5::DataSpace(1, &extent));
            set.write(dims.data(), H5::PredType::NATIVE_INT64);
        });
    }

    void writeString(H5::H5Object& object, const char* name, const std::string& value)
    {
        const H5::StrType type = Hdf5Call::utf8Type();
        H5::Attribute attribute = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
        attribute.write(type, value);
    }

    template <class T>
    void writeScalar(H5::H5Object& object, const char* name, const H5::PredType& fileType,
                     const H5::PredType& memoryType, T value)
    {
        H5::Attribute attribute = object.createAttribute(name, fileType, H5::DataSpace(H5S_SCALAR));
        attribute.write(memoryType, &value);
    }

    void writeStrings(H5::Group& group, const std::string& groupPath, const char* name,
                      const std::vector<std::string>& values)
    {
        setWhere(groupPath, name);
        const H5::StrType type = Hdf5Call::utf8Type();
        const hsize_t count = values.size();
        H5::DataSet set = group.createDataSet(name, type, H5::DataSpace(1, &count));
        std::vector<const char*> pointers;
        pointers.reserve(values.size());
        for (const std::string& value : values)
            pointers.push_back(value.c_str());
        if (count > 0)
            set.write(pointers.data(), type);
    }

    // Appended piecewise: GCC 12 at -O2 reports a false -Warray-bounds on `groupPath + "/" + name` here.
    void setWhere(const std::string& groupPath, const char* name)
    {
        m_where = groupPath;
        m_where += '/';
        m_where += name;
    }

    void writeDoubles(H5::Group& group, const std::string& groupPath, const char* name,
                      const std::vector<double>& values, const Dims& dims)
    {
        setWhere(groupPath, name);
        // Contiguous and uncompressed: eigenvectors are full-entropy doubles, so shuffle+gzip saved 13% of a
        // SmolLM-135M session and made writing 28x slower (4.5 s instead of 0.16 s); see docs/session-format.md.
        const H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
        H5::DataSet set = group.createDataSet(name, H5::PredType::IEEE_F64LE, space);
        if (!values.empty())
            set.write(values.data(), H5::PredType::NATIVE_DOUBLE);
    }

    fs::path m_path;
    const AnalysisResult& m_result;
    Shape m_shape;
    std::string m_where; // the object being written, for HDF5 failures
};

// ---------------------------------------------------------------------------------------------------------------
// Reading.

class SessionReader {
public:
    explicit SessionReader(fs::path path) : m_path(std::move(path)) {}

    AnalysisResult read()
    {
        std::error_code ec;
        if (!fs::exists(m_path, ec))
            fail(m_path, "no such file");
        if (!fs::is_regular_file(m_path, ec))
            fail(m_path, "not a regular file");

        AnalysisResult result;
        try {
            m_where = "the file";
            const htri_t isHdf5 = H5Fis_hdf5(m_path.c_str());
            if (isHdf5 == 0)
                fail(m_path, "not an HDF5 file (no HDF5 signature); expected a flatslice session");
            if (isHdf5 < 0) {
                std::string why = Hdf5Call::lastMessage();
                if (why.empty())
                    why = "HDF5 error";
                fail(m_path, "cannot open: " + why);
            }
            H5::H5File file(m_path.string(), H5F_ACC_RDONLY, H5::FileCreatPropList::DEFAULT, Hdf5Call::fileAccess());
            readContents(file, result);
        } catch (const H5::Exception& e) {
            fail(m_path, "reading " + m_where + ": " + Hdf5Call::detail(e));
        } catch (const std::bad_alloc&) {
            fail(m_path, "reading " + m_where + ": out of memory");
        }
        return result;
    }

private:
    void readContents(H5::H5File& file, AnalysisResult& r)
    {
        H5::Group root = file.openGroup("/");
        if (!root.attrExists("format"))
            fail(m_path, "not a flatslice session (the root has no 'format' attribute)");
        const std::string format = readString(root, "/", "format");
        if (format != kFormatName)
            fail(m_path, "not a flatslice session (format is '" + format + "', expected '" + kFormatName + "')");
        const std::int64_t version = readInteger(root, "/", "format_version");
        if (version < 1 || version > kFormatVersion)
            fail(m_path, "format_version " + std::to_string(version) +
                             " is not supported (this flatslice reads versions 1 to " + std::to_string(kFormatVersion) +
                             (version > kFormatVersion ? "; the file was written by a newer flatslice)" : ")"));
        r.seconds = readDouble(root, "/", "seconds");

        H5::Group model = openGroup(root, "", "model");
        r.model.path = readString(model, "/model", "path");
        r.model.format = readString(model, "/model", "format");
        r.model.configJson = readString(model, "/model", "config_json");
        r.config = parseHfConfig(r.model.configJson, m_path.string() + ":/model@config_json");
        m_shape = shapeOf(r.config);
        r.model.files = readStrings(model, "/model", "files");
        r.model.fileSha256 = readStrings(model, "/model", "file_sha256");
        if (r.model.files.size() != r.model.fileSha256.size())
            fail(m_path, "/model/files has " + std::to_string(r.model.files.size()) +
                             " entries but /model/file_sha256 has " + std::to_string(r.model.fileSha256.size()));

        H5::Group protocol = openGroup(root, "", "protocol");
        CalibrationProtocol& p = r.protocol;
        p.corpusPath = readString(protocol, "/protocol", "corpus_path");
        p.corpusSha256 = readString(protocol, "/protocol", "corpus_sha256");
        p.samples = readInteger(protocol, "/protocol", "samples");
        p.seqlen = readInteger(protocol, "/protocol", "seqlen");
        p.seed = readUnsigned(protocol, "/protocol", "seed");
        p.dtype = readString(protocol, "/protocol", "dtype");
        p.flatsliceVersion = readString(protocol, "/protocol", "flatslice_version");
        p.corpusTokens = readInteger(protocol, "/protocol", "corpus_tokens");

        const hsize_t depths = m_shape.layers + 1;
        H5::Group similarity = openGroup(root, "", "similarity");
        r.anyToAny = readDoubles(similarity, "/similarity", "any_to_any", {depths, depths}, "(L+1) x (L+1)");

        H5::Group blocks = openGroup(root, "", "blocks");
        m_where = "/blocks";
        if (blocks.getNumObjs() != m_shape.layers)
            fail(m_path, "/blocks holds " + std::to_string(blocks.getNumObjs()) + " objects, expected " +
                             std::to_string(m_shape.layers) + " (num_hidden_layers)");
        r.blocks.resize(m_shape.layers);
        for (std::size_t i = 0; i < r.blocks.size(); ++i)
            readBlock(blocks, i, r.blocks[i]);

        r.warnings = readStrings(root, "", "warnings");
    }

    void readBlock(H5::Group& blocks, std::size_t index, BlockAnalysis& b)
    {
        const std::string groupPath = "/blocks/" + blockName(index);
        H5::Group group = openGroup(blocks, "/blocks", blockName(index));
        b.cosInOut = readDouble(group, groupPath, "cos_in_out");
        b.blockInfluence = readDouble(group, groupPath, "block_influence");
        b.channelLambda = readDouble(group, groupPath, "channel_lambda");

        // A parallel block stores an empty MLP spectrum; the eigenvalues' length says which this is.
        Dims mlpDims;
        openDataset(group, groupPath, "mlp_eigenvalues", H5T_FLOAT, 1, mlpDims);
        const bool mlpPresent = mlpDims[0] != 0;

        forEachBlockArray(b, [&](const char* name, Extent extent, std::vector<double>& values) {
            values = readDoubles(group, groupPath, name, expectedDims(extent, m_shape, mlpPresent), meaningOf(extent));
        });
        forEachSpectrum(b, [&](const char* name, Spectrum& s, bool present) {
            const std::string object = groupPath + "/" + name;
            Dims dims;
            H5::DataSet set = openDataset(group, groupPath, name, H5T_INTEGER, 1, dims);
            if (dims[0] != 3)
                fail(m_path, object + " has shape " + dimsText(dims) + ", expected (3,) ([dim90, dim95, dim99])");
            std::array<std::int64_t, 3> values{};
            set.read(values.data(), H5::PredType::NATIVE_INT64);
            const std::int64_t limit = present ? static_cast<std::int64_t>(m_shape.hidden) : 0;
            for (const std::int64_t dim : values)
                if (dim < 0 || dim > limit)
                    fail(m_path,
                         object + " holds " + std::to_string(dim) + ", outside [0, " + std::to_string(limit) + "]");
            s.dim90 = values[0];
            s.dim95 = values[1];
            s.dim99 = values[2];
        });
    }

    H5::Group openGroup(const H5::Group& parent, const std::string& parentPath, const std::string& name)
    {
        const std::string path = parentPath + "/" + name;
        m_where = path;
        if (!parent.nameExists(name) || parent.childObjType(name) != H5O_TYPE_GROUP)
            fail(m_path, "missing group " + path);
        return parent.openGroup(name);
    }

    // Opens an attribute that must hold exactly one value of the given type class.
    H5::Attribute openAttribute(const H5::H5Object& object, const std::string& objectPath, const char* name,
                                H5T_class_t typeClass, const char* typeName)
    {
        const std::string where = objectPath + "@" + name; // h5py spelling: f[objectPath].attrs[name]
        m_where = "attribute " + where;
        if (!object.attrExists(name))
            fail(m_path, "missing attribute " + where);
        H5::Attribute attribute = object.openAttribute(name);
        if (attribute.getTypeClass() != typeClass)
            fail(m_path, "attribute " + where + " is not " + typeName);
        const H5::DataSpace space = attribute.getSpace();
        if (space.getSimpleExtentNpoints() != 1 || space.getSimpleExtentType() == H5S_NULL)
            fail(m_path,
                 "attribute " + where + " must hold one value, not " + std::to_string(space.getSimpleExtentNpoints()));
        return attribute;
    }

    std::string readString(const H5::H5Object& object, const std::string& objectPath, const char* name)
    {
        H5::Attribute attribute = openAttribute(object, objectPath, name, H5T_STRING, "a string");
        std::string value;
        attribute.read(attribute.getStrType(), value);
        return value;
    }

    double readDouble(const H5::H5Object& object, const std::string& objectPath, const char* name)
    {
        H5::Attribute attribute = openAttribute(object, objectPath, name, H5T_FLOAT, "a float");
        double value = 0.0;
        attribute.read(H5::PredType::NATIVE_DOUBLE, &value);
        return value;
    }

    std::int64_t readInteger(const H5::H5Object& object, const std::string& objectPath, const char* name)
    {
        H5::Attribute attribute = openAttribute(object, objectPath, name, H5T_INTEGER, "an integer");
        std::int64_t value = 0;
        attribute.read(H5::PredType::NATIVE_INT64, &value);
        return value;
    }

    std::uint64_t readUnsigned(const H5::H5Object& object, const std::string& objectPath, const char* name)
    {
        H5::Attribute attribute = openAttribute(object, objectPath, name, H5T_INTEGER, "an integer");
        std::uint64_t value = 0;
        attribute.read(H5::PredType::NATIVE_UINT64, &value);
        return value;
    }

    // Opens a dataset of the given type class and rank; `dims` receives its shape.
    H5::DataSet openDataset(const H5::Group& group, const std::string& groupPath, const char* name,
                            H5T_class_t typeClass, int rank, Dims& dims)
    {
        const std::string object = groupPath + "/" + name;
        m_where = object;
        if (!group.nameExists(name) || group.childObjType(name) != H5O_TYPE_DATASET)
            fail(m_path, "missing dataset " + object);
        H5::DataSet set = group.openDataSet(name);
        if (set.getTypeClass() != typeClass)
            fail(m_path, "dataset " + object + " has the wrong type (expected " +
                             (typeClass == H5T_FLOAT     ? "float64"
                              : typeClass == H5T_INTEGER ? "int64"
                                                         : "string") +
                             ")");
        const H5::DataSpace space = set.getSpace();
        const int actualRank = space.getSimpleExtentType() == H5S_SIMPLE ? space.getSimpleExtentNdims() : 0;
        dims.assign(static_cast<std::size_t>(actualRank), 0);
        if (actualRank > 0)
            space.getSimpleExtentDims(dims.data());
        if (actualRank != rank)
            fail(m_path, "dataset " + object + " has rank " + std::to_string(actualRank) + ", expected " +
                             std::to_string(rank));
        return set;
    }

    std::vector<double> readDoubles(const H5::Group& group, const std::string& groupPath, const char* name,
                                    const Dims& expected, const std::string& meaning)
    {
        Dims dims;
        H5::DataSet set = openDataset(group, groupPath, name, H5T_FLOAT, static_cast<int>(expected.size()), dims);
        if (dims != expected)
            fail(m_path, "dataset " + groupPath + "/" + name + " has shape " + dimsText(dims) + ", expected " +
                             dimsText(expected) + " for " + meaning);
        std::vector<double> values(product(dims));
        if (!values.empty())
            set.read(values.data(), H5::PredType::NATIVE_DOUBLE);
        return values;
    }

    std::vector<std::string> readStrings(const H5::Group& group, const std::string& groupPath, const char* name)
    {
        Dims dims;
        H5::DataSet set = openDataset(group, groupPath, name, H5T_STRING, 1, dims);
        std::vector<std::string> values;
        if (dims[0] == 0)
            return values;
        const H5::StrType type = set.getStrType();
        if (type.isVariableStr()) {
            std::vector<char*> pointers(dims[0], nullptr);
            set.read(pointers.data(), type);
            for (const char* text : pointers)
                values.emplace_back(text ? text : "");
            H5::DataSet::vlenReclaim(pointers.data(), type, set.getSpace());
        } else {
            // Fixed-length strings (as numpy writes them) are padded; they end at the first NUL.
            const std::size_t size = type.getSize();
            std::vector<char> buffer(dims[0] * size);
            set.read(buffer.data(), type);
            for (hsize_t i = 0; i < dims[0]; ++i) {
                const char* text = buffer.data() + i * size;
                values.emplace_back(text, ::strnlen(text, size));
            }
        }
        return values;
    }

    fs::path m_path;
    Shape m_shape;
    std::string m_where; // the object being read, for HDF5 failures
};

} // namespace

std::int32_t sessionFormatVersion()
{
    return kFormatVersion;
}

void writeSession(const std::filesystem::path& path, const AnalysisResult& result)
{
    const Hdf5Call call;
    SessionWriter(path, result).write();
}

AnalysisResult readSession(const std::filesystem::path& path)
{
    const Hdf5Call call;
    return SessionReader(path).read();
}

} // namespace flatslice::core
