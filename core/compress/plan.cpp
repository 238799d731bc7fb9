// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/plan.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace flatslice::core {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kFormat = "flatslice-plan";
constexpr std::int64_t kVersion = 1;

// ---- message formatting ---------------------------------------------------------------------------------------------

std::string formatDouble(double value)
{
    // Shortest text that reads back to the same double, so "0.25" stays "0.25" in messages.
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string formatList(const std::vector<std::int64_t>& values)
{
    std::string text = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
        text += (i ? ", " : "") + std::to_string(values[i]);
    return text + "]";
}

std::string indexed(const std::string& field, std::size_t index)
{
    return field + "[" + std::to_string(index) + "]";
}

[[noreturn]] void reject(const std::string& source, const std::string& field, const std::string& why)
{
    throw Error(source + ": " + field + ": " + why);
}

[[noreturn]] void rejectValue(const std::string& source, const std::string& field, const std::string& value,
                              const std::string& why)
{
    throw Error(source + ": " + field + " = " + value + ": " + why);
}

bool isHexDigest(const std::string& text)
{
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
           });
}

std::string formatDims(const SliceDims& dims)
{
    if (dims.attn == dims.mlp)
        return std::to_string(dims.attn);
    return "{attn: " + std::to_string(dims.attn) + ", mlp: " + std::to_string(dims.mlp) + "}";
}

// nlohmann's indented dump puts every array element on its own line; block lists read better as [10, 11]. Collapses
// arrays that hold only numbers, skipping over string contents.
std::string compactNumberArrays(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"') { // copy a whole string literal, escapes included
            const std::size_t start = i;
            for (++i; i < text.size() && text[i] != '"'; ++i)
                if (text[i] == '\\')
                    ++i;
            out.append(text, start, i - start + 1);
            continue;
        }
        if (c == '[') {
            const std::size_t close = text.find_first_of("[]{}\"", i + 1);
            if (close != std::string::npos && text[close] == ']') {
                std::string items;
                bool numeric = true;
                for (std::size_t k = i + 1; k < close && numeric; ++k) {
                    const char d = text[k];
                    if (d == ' ' || d == '\n')
                        continue;
                    if (d == ',')
                        items += ", ";
                    else if ((d >= '0' && d <= '9') || d == '-' || d == '+' || d == '.' || d == 'e' || d == 'E')
                        items += d;
                    else
                        numeric = false;
                }
                if (numeric) {
                    out += "[" + items + "]";
                    i = close;
                    continue;
                }
            }
        }
        out += c;
    }
    return out;
}

// ---- checked JSON access: every failure names the field path --------------------------------------------------------

class Reader {
public:
    explicit Reader(std::string source) : m_source(std::move(source)) {}

    const std::string& source() const { return m_source; }

    [[noreturn]] void fail(const std::string& field, const Json& value, const std::string& why) const
    {
        rejectValue(m_source, field, value.dump(), why);
    }

    void requireObject(const Json& value, const std::string& field) const
    {
        if (!value.is_object())
            fail(field, value, "expected an object");
    }

    void requireArray(const Json& value, const std::string& field) const
    {
        if (!value.is_array())
            fail(field, value, "expected an array");
    }

    // Unknown keys are an error: a misspelt "sliceHaed" must not silently fall back to the default.
    void rejectUnknownKeys(const Json& object, std::initializer_list<const char*> known, const std::string& path) const
    {
        for (const auto& [key, value] : object.items()) {
            const bool ok = std::any_of(known.begin(), known.end(), [&](const char* k) { return key == k; });
            if (!ok) {
                std::string list;
                for (const char* k : known)
                    list += (list.empty() ? "" : ", ") + std::string(k);
                reject(m_source, path.empty() ? key : path + "." + key, "unknown field (known here: " + list + ")");
            }
        }
    }

    std::int64_t integer(const Json& value, const std::string& field) const
    {
        if (value.is_number_integer() && !value.is_number_unsigned())
            return value.get<std::int64_t>();
        constexpr auto largest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (value.is_number_unsigned() && value.get<std::uint64_t>() <= largest)
            return static_cast<std::int64_t>(value.get<std::uint64_t>());
        fail(field, value, "expected an integer");
    }

    std::uint64_t unsignedInteger(const Json& value, const std::string& field) const
    {
        if (value.is_number_unsigned())
            return value.get<std::uint64_t>();
        if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
            return static_cast<std::uint64_t>(value.get<std::int64_t>());
        fail(field, value, "expected a non-negative integer");
    }

    double number(const Json& value, const std::string& field) const
    {
        if (!value.is_number())
            fail(field, value, "expected a number");
        return value.get<double>();
    }

    bool boolean(const Json& value, const std::string& field) const
    {
        if (!value.is_boolean())
            fail(field, value, "expected true or false");
        return value.get<bool>();
    }

    std::string string(const Json& value, const std::string& field) const
    {
        if (!value.is_string())
            fail(field, value, "expected a string");
        return value.get<std::string>();
    }

    // Calls `read(value, path)` when `key` is present and not null.
    template <typename Read>
    void optional(const Json& object, const char* key, const std::string& path, Read read) const
    {
        const auto it = object.find(key);
        if (it != object.end() && !it->is_null())
            read(*it, path.empty() ? std::string(key) : path + "." + key);
    }

private:
    std::string m_source;
};

// ---- enum spellings -------------------------------------------------------------------------------------------------

template <typename Enum>
Enum parseEnum(const Reader& reader, const Json& value, const std::string& field,
               std::initializer_list<std::pair<const char*, Enum>> names)
{
    const std::string text = reader.string(value, field);
    std::string list;
    for (const auto& [name, e] : names) {
        if (text == name)
            return e;
        list += (list.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    }
    reader.fail(field, value, "expected one of " + list);
}

// ---- sections -------------------------------------------------------------------------------------------------------

ModelFingerprint readModel(const Reader& r, const Json& j)
{
    r.requireObject(j, "model");
    r.rejectUnknownKeys(j, {"path", "format", "files", "config"}, "model");
    ModelFingerprint m;
    r.optional(j, "path", "model", [&](const Json& v, const std::string& f) { m.path = r.string(v, f); });
    r.optional(j, "format", "model", [&](const Json& v, const std::string& f) { m.format = r.string(v, f); });
    r.optional(j, "files", "model", [&](const Json& files, const std::string& f) {
        r.requireArray(files, f);
        for (std::size_t i = 0; i < files.size(); ++i) {
            const std::string field = indexed(f, i);
            const Json& file = files[i];
            r.requireObject(file, field);
            r.rejectUnknownKeys(file, {"name", "sha256"}, field);
            if (!file.contains("name"))
                reject(r.source(), field + ".name", "missing");
            m.files.push_back(r.string(file["name"], field + ".name"));
            std::string sha;
            r.optional(file, "sha256", field, [&](const Json& v, const std::string& shaField) {
                sha = r.string(v, shaField);
                if (!isHexDigest(sha))
                    r.fail(shaField, v, "expected 64 hex digits (a SHA-256 digest)");
            });
            m.fileSha256.push_back(sha);
        }
    });
    r.optional(j, "config", "model", [&](const Json& v, const std::string& f) {
        // Embedded as an object for readability; kept as compact text, as ModelFingerprint stores it.
        if (v.is_object())
            m.configJson = v.dump();
        else
            m.configJson = r.string(v, f);
    });
    return m;
}

CalibrationProtocol readCalibration(const Reader& r, const Json& j)
{
    r.requireObject(j, "calibration");
    r.rejectUnknownKeys(j,
                        {"corpus", "corpusSha256", "corpusTokens", "samples", "seqlen", "seed", "dtype",
                         "flatsliceVersion"},
                        "calibration");
    CalibrationProtocol p;
    const std::string path = "calibration";
    r.optional(j, "corpus", path, [&](const Json& v, const std::string& f) { p.corpusPath = r.string(v, f); });
    r.optional(j, "corpusSha256", path, [&](const Json& v, const std::string& f) {
        p.corpusSha256 = r.string(v, f);
        if (!isHexDigest(p.corpusSha256))
            r.fail(f, v, "expected 64 hex digits (a SHA-256 digest)");
    });
    r.optional(j, "corpusTokens", path, [&](const Json& v, const std::string& f) { p.corpusTokens = r.integer(v, f); });
    r.optional(j, "samples", path, [&](const Json& v, const std::string& f) { p.samples = r.integer(v, f); });
    r.optional(j, "seqlen", path, [&](const Json& v, const std::string& f) { p.seqlen = r.integer(v, f); });
    r.optional(j, "seed", path, [&](const Json& v, const std::string& f) { p.seed = r.unsignedInteger(v, f); });
    r.optional(j, "dtype", path, [&](const Json& v, const std::string& f) { p.dtype = r.string(v, f); });
    r.optional(j, "flatsliceVersion", path,
               [&](const Json& v, const std::string& f) { p.flatsliceVersion = r.string(v, f); });
    return p;
}

std::vector<std::vector<std::int64_t>> readFlatten(const Reader& r, const Json& j)
{
    r.requireArray(j, "flatten");
    std::vector<std::vector<std::int64_t>> groups;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string field = indexed("flatten", i);
        r.requireArray(j[i], field);
        std::vector<std::int64_t> group;
        for (std::size_t k = 0; k < j[i].size(); ++k)
            group.push_back(r.integer(j[i][k], indexed(field, k)));
        groups.push_back(std::move(group));
    }
    return groups;
}

std::vector<std::int64_t> readDrop(const Reader& r, const Json& j)
{
    r.requireArray(j, "drop");
    std::vector<std::int64_t> drop;
    for (std::size_t i = 0; i < j.size(); ++i)
        drop.push_back(r.integer(j[i], indexed("drop", i)));
    return drop;
}

SlicePlan readSlice(const Reader& r, const Json& j)
{
    r.requireObject(j, "slice");
    r.rejectUnknownKeys(j, {"ratio", "dims", "rounding", "sliceHead", "headWidth", "shortcuts"}, "slice");
    SlicePlan s;
    r.optional(j, "ratio", "slice", [&](const Json& v, const std::string& f) { s.ratio = r.number(v, f); });
    r.optional(j, "dims", "slice", [&](const Json& dims, const std::string& f) {
        r.requireArray(dims, f);
        if (dims.empty())
            reject(r.source(), f, "empty (give one width per layer of the compressed model, or use slice.ratio)");
        for (std::size_t i = 0; i < dims.size(); ++i) {
            const std::string field = indexed(f, i);
            const Json& entry = dims[i];
            SliceDims d;
            if (entry.is_object()) {
                r.rejectUnknownKeys(entry, {"attn", "mlp"}, field);
                for (const char* key : {"attn", "mlp"})
                    if (!entry.contains(key))
                        reject(r.source(), field + "." + key, "missing");
                d.attn = r.integer(entry["attn"], field + ".attn");
                d.mlp = r.integer(entry["mlp"], field + ".mlp");
            } else if (entry.is_number()) {
                d.attn = d.mlp = r.integer(entry, field);
            } else {
                r.fail(field, entry, "expected a width or {\"attn\": width, \"mlp\": width}");
            }
            s.dims.push_back(d);
        }
    });
    r.optional(j, "rounding", "slice", [&](const Json& v, const std::string& f) { s.rounding = r.integer(v, f); });
    r.optional(j, "sliceHead", "slice", [&](const Json& v, const std::string& f) { s.sliceHead = r.boolean(v, f); });
    r.optional(j, "headWidth", "slice", [&](const Json& v, const std::string& f) { s.headWidth = r.integer(v, f); });
    r.optional(j, "shortcuts", "slice", [&](const Json& v, const std::string& f) { s.shortcuts = r.boolean(v, f); });
    return s;
}

PlanOptions readOptions(const Reader& r, const Json& j)
{
    r.requireObject(j, "options");
    r.rejectUnknownKeys(j,
                        {"flattenLambdaFactor", "headScore", "flattenSelection", "statistics", "sliceDamping",
                         "finalOrientation", "seed"},
                        "options");
    PlanOptions o;
    const std::string path = "options";
    r.optional(j, "flattenLambdaFactor", path,
               [&](const Json& v, const std::string& f) { o.flattenLambdaFactor = r.number(v, f); });
    r.optional(j, "headScore", path, [&](const Json& v, const std::string& f) {
        o.headScore = parseEnum<HeadScore>(r, v, f,
                                           {{"flattengpt", HeadScore::FlattenGpt},
                                            {"contribution", HeadScore::Contribution}});
    });
    r.optional(j, "flattenSelection", path, [&](const Json& v, const std::string& f) {
        o.flattenSelection = parseEnum<FlattenSelection>(r, v, f,
                                                         {{"flattengpt", FlattenSelection::FlattenGpt},
                                                          {"checked", FlattenSelection::Checked}});
    });
    r.optional(j, "statistics", path, [&](const Json& v, const std::string& f) {
        o.statistics = parseEnum<StatisticsSource>(r, v, f,
                                                   {{"refed", StatisticsSource::Refed},
                                                    {"original", StatisticsSource::Original}});
    });
    r.optional(j, "sliceDamping", path, [&](const Json& v, const std::string& f) { o.sliceDamping = r.number(v, f); });
    r.optional(j, "finalOrientation", path, [&](const Json& v, const std::string& f) {
        o.finalOrientation = parseEnum<FinalOrientation>(r, v, f,
                                                         {{"pca", FinalOrientation::Pca},
                                                          {"random", FinalOrientation::Random}});
    });
    r.optional(j, "seed", path, [&](const Json& v, const std::string& f) { o.seed = r.unsignedInteger(v, f); });
    return o;
}

// Which flatten group (index into plan.flatten) holds each block, for overlap messages.
std::map<std::int64_t, std::size_t> groupOfBlock(const Plan& plan)
{
    std::map<std::int64_t, std::size_t> owner;
    for (std::size_t g = 0; g < plan.flatten.size(); ++g)
        for (const std::int64_t b : plan.flatten[g])
            owner.emplace(b, g);
    return owner;
}

void validateSlice(const SlicePlan& s, const std::string& source)
{
    if (s.ratio && !s.dims.empty())
        reject(source, "slice", "give either \"ratio\" or \"dims\", not both");
    if (!s.ratio && s.dims.empty())
        reject(source, "slice", "needs \"ratio\" (one global fraction) or \"dims\" (one width per layer)");
    if (s.rounding < 1)
        rejectValue(source, "slice.rounding", std::to_string(s.rounding), "must be >= 1 (1 = no rounding)");
    if (s.ratio) {
        const double ratio = *s.ratio;
        if (!std::isfinite(ratio) || ratio < 0.0 || ratio >= 1.0)
            rejectValue(source, "slice.ratio", formatDouble(ratio),
                        "must be in [0, 1) (the fraction of the hidden size removed)");
        if (s.headWidth != 0)
            rejectValue(source, "slice.headWidth", std::to_string(s.headWidth),
                        "only with slice.dims (with a ratio the head is sliced to the same d')");
    }
    for (std::size_t i = 0; i < s.dims.size(); ++i) {
        const SliceDims& d = s.dims[i];
        const std::string field = indexed("slice.dims", i);
        for (const auto& [name, width] : {std::pair{".attn", d.attn}, std::pair{".mlp", d.mlp}}) {
            const std::string where = d.attn == d.mlp ? field : field + name;
            if (width <= 0)
                rejectValue(source, where, std::to_string(width), "must be > 0");
            if (width % s.rounding != 0)
                rejectValue(source, where, std::to_string(width),
                            "not a multiple of slice.rounding = " + std::to_string(s.rounding) +
                                " (set slice.rounding to 1 to allow any width)");
        }
        if (!s.shortcuts && (d.attn != s.dims.front().attn || d.mlp != s.dims.front().attn))
            rejectValue(source, field, formatDims(d),
                        "without shortcuts (slice.shortcuts = false) every width must equal slice.dims[0] = " +
                            std::to_string(s.dims.front().attn) + " (one global rotation)");
    }
    if (!s.dims.empty()) {
        if (s.sliceHead) {
            if (s.headWidth <= 0)
                reject(source, "slice.headWidth",
                       "required with slice.dims and slice.sliceHead = true (the width the head reads)");
            if (s.headWidth % s.rounding != 0)
                rejectValue(source, "slice.headWidth", std::to_string(s.headWidth),
                            "not a multiple of slice.rounding = " + std::to_string(s.rounding));
            if (!s.shortcuts && s.headWidth != s.dims.front().attn)
                rejectValue(source, "slice.headWidth", std::to_string(s.headWidth),
                            "without shortcuts it must equal slice.dims[0] = " + std::to_string(s.dims.front().attn));
        } else if (s.headWidth != 0) {
            rejectValue(source, "slice.headWidth", std::to_string(s.headWidth),
                        "only with slice.sliceHead = true (otherwise the head reads the full hidden size)");
        }
    }
}

Json writeSlice(const SlicePlan& s)
{
    Json j = Json::object();
    if (s.ratio) {
        j["ratio"] = *s.ratio;
    } else {
        Json dims = Json::array();
        for (const SliceDims& d : s.dims) {
            if (d.attn == d.mlp)
                dims.push_back(d.attn);
            else
                dims.push_back(Json{{"attn", d.attn}, {"mlp", d.mlp}});
        }
        j["dims"] = std::move(dims);
    }
    j["rounding"] = s.rounding;
    j["sliceHead"] = s.sliceHead;
    if (!s.ratio && s.sliceHead)
        j["headWidth"] = s.headWidth;
    j["shortcuts"] = s.shortcuts;
    return j;
}

} // namespace

std::string headScoreName(HeadScore value)
{
    return value == HeadScore::FlattenGpt ? "flattengpt" : "contribution";
}

std::string flattenSelectionName(FlattenSelection value)
{
    return value == FlattenSelection::FlattenGpt ? "flattengpt" : "checked";
}

std::string statisticsSourceName(StatisticsSource value)
{
    return value == StatisticsSource::Refed ? "refed" : "original";
}

std::string finalOrientationName(FinalOrientation value)
{
    return value == FinalOrientation::Pca ? "pca" : "random";
}

std::int64_t slicedWidth(std::int64_t hiddenSize, double ratio, std::int64_t rounding)
{
    // Python's int((1 - s) * D): the product in double precision, truncated toward zero.
    const auto width = static_cast<std::int64_t>((1.0 - ratio) * static_cast<double>(hiddenSize));
    return rounding > 1 ? width - width % rounding : width;
}

Plan Plan::fromJson(const std::string& text, const std::string& source)
{
    Json j;
    try {
        j = Json::parse(text);
    } catch (const Json::exception& e) {
        throw Error(source + ": not valid JSON: " + e.what());
    }
    const Reader r(source);
    if (!j.is_object())
        throw Error(source + ": expected a JSON object (a flatslice plan)");
    r.rejectUnknownKeys(j, {"format", "version", "model", "calibration", "flatten", "drop", "slice", "options"}, "");

    if (!j.contains("format"))
        reject(source, "format", std::string("missing (expected \"") + kFormat + "\")");
    if (r.string(j["format"], "format") != kFormat)
        r.fail("format", j["format"], std::string("not a flatslice plan (expected \"") + kFormat + "\")");
    if (!j.contains("version"))
        reject(source, "version", "missing (expected " + std::to_string(kVersion) + ")");
    if (r.integer(j["version"], "version") != kVersion)
        r.fail("version", j["version"], "unsupported (this flatslice reads version " + std::to_string(kVersion) + ")");

    Plan plan;
    r.optional(j, "model", "", [&](const Json& v, const std::string&) { plan.model = readModel(r, v); });
    r.optional(j, "calibration", "", [&](const Json& v, const std::string&) { plan.protocol = readCalibration(r, v); });
    r.optional(j, "flatten", "", [&](const Json& v, const std::string&) { plan.flatten = readFlatten(r, v); });
    r.optional(j, "drop", "", [&](const Json& v, const std::string&) { plan.drop = readDrop(r, v); });
    r.optional(j, "slice", "", [&](const Json& v, const std::string&) { plan.slice = readSlice(r, v); });
    r.optional(j, "options", "", [&](const Json& v, const std::string&) { plan.options = readOptions(r, v); });

    // Validate in the file's own order so that "flatten[1]" points at the entry the user wrote second.
    plan.validate(source);
    plan.normalize();
    return plan;
}

std::string Plan::toJson() const
{
    Json j;
    j["format"] = kFormat;
    j["version"] = kVersion;

    Json fingerprint = Json::object();
    if (!model.path.empty())
        fingerprint["path"] = model.path;
    if (!model.format.empty())
        fingerprint["format"] = model.format;
    if (!model.files.empty()) {
        Json files = Json::array();
        for (std::size_t i = 0; i < model.files.size(); ++i) {
            Json file{{"name", model.files[i]}};
            if (i < model.fileSha256.size() && !model.fileSha256[i].empty())
                file["sha256"] = model.fileSha256[i];
            files.push_back(std::move(file));
        }
        fingerprint["files"] = std::move(files);
    }
    if (!model.configJson.empty()) {
        try {
            fingerprint["config"] = Json::parse(model.configJson);
        } catch (const Json::exception&) {
            fingerprint["config"] = model.configJson; // not JSON: keep the text as is rather than lose it
        }
    }
    if (!fingerprint.empty())
        j["model"] = std::move(fingerprint);

    Json calibration = Json::object();
    if (!protocol.corpusPath.empty())
        calibration["corpus"] = protocol.corpusPath;
    if (!protocol.corpusSha256.empty())
        calibration["corpusSha256"] = protocol.corpusSha256;
    if (protocol.corpusTokens != 0)
        calibration["corpusTokens"] = protocol.corpusTokens;
    calibration["samples"] = protocol.samples;
    calibration["seqlen"] = protocol.seqlen;
    calibration["seed"] = protocol.seed;
    calibration["dtype"] = protocol.dtype;
    if (!protocol.flatsliceVersion.empty())
        calibration["flatsliceVersion"] = protocol.flatsliceVersion;
    j["calibration"] = std::move(calibration);

    j["flatten"] = flatten;
    j["drop"] = drop;
    if (slice)
        j["slice"] = writeSlice(*slice);
    j["options"] = Json{{"flattenLambdaFactor", options.flattenLambdaFactor},
                        {"headScore", headScoreName(options.headScore)},
                        {"flattenSelection", flattenSelectionName(options.flattenSelection)},
                        {"statistics", statisticsSourceName(options.statistics)},
                        {"sliceDamping", options.sliceDamping},
                        {"finalOrientation", finalOrientationName(options.finalOrientation)},
                        {"seed", options.seed}};
    return compactNumberArrays(j.dump(2)) + "\n";
}

void Plan::validate(const std::string& source) const
{
    if (model.fileSha256.size() > model.files.size())
        reject(source, "model.files", "more SHA-256 digests than files");

    if (protocol.samples <= 0)
        rejectValue(source, "calibration.samples", std::to_string(protocol.samples), "must be > 0");
    if (protocol.seqlen <= 0)
        rejectValue(source, "calibration.seqlen", std::to_string(protocol.seqlen), "must be > 0");

    std::map<std::int64_t, std::size_t> owner;
    for (std::size_t g = 0; g < flatten.size(); ++g) {
        const auto& group = flatten[g];
        const std::string field = indexed("flatten", g);
        if (group.size() < 2)
            rejectValue(source, field, formatList(group), "a group needs at least 2 blocks");
        for (std::size_t k = 0; k < group.size(); ++k) {
            if (group[k] < 0)
                rejectValue(source, field, formatList(group), "block indices must be >= 0");
            if (k > 0 && group[k] != group[k - 1] + 1)
                rejectValue(source, field, formatList(group),
                            "blocks must be adjacent (consecutive, ascending, e.g. [" + std::to_string(group[0]) +
                                ", " + std::to_string(group[0] + 1) + "])");
        }
        for (const std::int64_t b : group) {
            const auto [it, inserted] = owner.emplace(b, g);
            if (!inserted)
                rejectValue(source, field, formatList(group),
                            "overlaps flatten[" + std::to_string(it->second) +
                                "] = " + formatList(flatten[it->second]) + " (block " + std::to_string(b) +
                                "; merge them into one group to flatten more than two blocks)");
        }
    }

    std::set<std::int64_t> dropped;
    for (std::size_t i = 0; i < drop.size(); ++i) {
        const std::string field = indexed("drop", i);
        const std::int64_t b = drop[i];
        if (b < 0)
            rejectValue(source, field, std::to_string(b), "block indices must be >= 0");
        if (!dropped.insert(b).second)
            rejectValue(source, field, std::to_string(b), "listed twice");
        if (const auto it = owner.find(b); it != owner.end())
            rejectValue(source, field, std::to_string(b),
                        "block " + std::to_string(b) + " is also in flatten[" + std::to_string(it->second) +
                            "] = " + formatList(flatten[it->second]) + " (a block is flattened or dropped, not both)");
    }

    if (slice)
        validateSlice(*slice, source);

    if (!std::isfinite(options.flattenLambdaFactor) || options.flattenLambdaFactor <= 0.0)
        rejectValue(source, "options.flattenLambdaFactor", formatDouble(options.flattenLambdaFactor), "must be > 0");
    if (!std::isfinite(options.sliceDamping) || options.sliceDamping < 0.0)
        rejectValue(source, "options.sliceDamping", formatDouble(options.sliceDamping), "must be >= 0");
}

void Plan::validateAgainst(const ModelConfig& config, const std::string& source) const
{
    validate(source);
    const std::int64_t layers = config.numLayers;
    const std::string range = " is out of range (the model has " + std::to_string(layers) + " blocks, 0.." +
                              std::to_string(layers - 1) + ")";
    for (std::size_t g = 0; g < flatten.size(); ++g)
        for (const std::int64_t b : flatten[g])
            if (b >= layers)
                rejectValue(source, indexed("flatten", g), formatList(flatten[g]),
                            "block " + std::to_string(b) + range);
    for (std::size_t i = 0; i < drop.size(); ++i)
        if (drop[i] >= layers)
            rejectValue(source, indexed("drop", i), std::to_string(drop[i]),
                        "block " + std::to_string(drop[i]) + range);

    const std::int64_t left = layers - blocksRemoved();
    if (left < 1)
        reject(source, drop.empty() ? "flatten" : "drop",
               "the plan leaves no layer (it removes " + std::to_string(blocksRemoved()) + " of " +
                   std::to_string(layers) + " blocks)");

    if (!slice)
        return;
    const SlicePlan& s = *slice;
    const std::int64_t hidden = config.hiddenSize;
    const std::string larger = "larger than the model's hidden size " + std::to_string(hidden);
    if (s.ratio) {
        if (slicedWidth(hidden, *s.ratio, s.rounding) <= 0)
            rejectValue(source, "slice.ratio", formatDouble(*s.ratio),
                        "leaves no width (int((1 - s) * " + std::to_string(hidden) +
                            ") rounded down to a multiple of slice.rounding = " + std::to_string(s.rounding) +
                            " is 0)");
        return;
    }
    if (static_cast<std::int64_t>(s.dims.size()) != left)
        reject(source, "slice.dims",
               std::to_string(s.dims.size()) + " entries, but the plan leaves " + std::to_string(left) +
                   " layers (one entry per layer of the compressed model, in order)");
    for (std::size_t i = 0; i < s.dims.size(); ++i) {
        const SliceDims& d = s.dims[i];
        const std::string field = indexed("slice.dims", i);
        if (d.attn > hidden)
            rejectValue(source, d.attn == d.mlp ? field : field + ".attn", std::to_string(d.attn), larger);
        if (d.mlp > hidden)
            rejectValue(source, field + ".mlp", std::to_string(d.mlp), larger);
        if (config.parallelBlock && d.mlp != d.attn)
            rejectValue(source, field, formatDims(d),
                        "parallel blocks (" + config.architecture +
                            ") have one residual width per layer: mlp must equal attn");
    }
    if (s.sliceHead && s.headWidth > hidden)
        rejectValue(source, "slice.headWidth", std::to_string(s.headWidth), larger);
}

void Plan::normalize()
{
    const auto first = [](const std::vector<std::int64_t>& group) {
        return group.empty() ? std::numeric_limits<std::int64_t>::min() : group.front();
    };
    std::stable_sort(flatten.begin(), flatten.end(), [&](const auto& a, const auto& b) { return first(a) < first(b); });
    std::sort(drop.begin(), drop.end());
}

std::vector<std::vector<std::int64_t>> Plan::resultLayers(std::int64_t numLayers) const
{
    const auto owner = groupOfBlock(*this);
    const std::set<std::int64_t> dropped(drop.begin(), drop.end());
    std::vector<std::vector<std::int64_t>> layers;
    for (std::int64_t b = 0; b < numLayers; ++b) {
        if (dropped.count(b))
            continue;
        const auto it = owner.find(b);
        if (it == owner.end()) {
            layers.push_back({b});
            continue;
        }
        const auto& group = flatten[it->second];
        if (b == group.front()) // a group becomes one layer at the position of its first block
            layers.push_back(group);
    }
    return layers;
}

std::int64_t Plan::blocksRemoved() const
{
    std::int64_t removed = static_cast<std::int64_t>(drop.size());
    for (const auto& group : flatten)
        removed += std::max<std::int64_t>(0, static_cast<std::int64_t>(group.size()) - 1);
    return removed;
}

} // namespace flatslice::core
