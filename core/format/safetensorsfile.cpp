// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/safetensorsfile.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/mappedfile.h"

namespace flatslice::core {

using nlohmann::json;

struct SafetensorsFile::State {
    std::shared_ptr<const MappedFile> file;
    std::uint64_t dataOffset = 0;
    std::map<std::string, std::string> metadata;
    std::vector<std::string> names;
    std::unordered_map<std::string, SafetensorsTensorInfo> infos;
};

namespace {

// The Python library refuses headers above this size; a larger one is far more likely corruption than a model.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// Names come from the file, so keep messages on one line whatever they contain.
std::string quotedName(std::string_view text)
{
    std::string out = "'";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out + "'";
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

std::string offsetsText(std::uint64_t begin, std::uint64_t end)
{
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// A JSON value in a message: compact, clipped, one line.
std::string jsonText(const json& value)
{
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    return text;
}

// A valid header nests three levels (header, tensor entry, shape). Deeper values are dropped while parsing, so
// that neither the DOM nor the recursive dump() in messages can be driven into a stack overflow.
constexpr int kMaxDepth = 16;

// Watches the parse. nlohmann keeps the last of two equal keys without a word; a duplicate tensor name would make
// the file mean different things to different readers, so this records the first repeat at any depth.
class HeaderWatcher {
public:
    bool operator()(int depth, json::parse_event_t event, json& parsed)
    {
        if (depth > kMaxDepth) {
            m_tooDeep = true;
            return false; // discard: the header is rejected after the parse anyway
        }
        switch (event) {
        case json::parse_event_t::object_start: m_frames.emplace_back(); break;
        case json::parse_event_t::object_end:
            if (!m_frames.empty())
                m_frames.pop_back();
            break;
        case json::parse_event_t::key:
            if (!m_frames.empty()) {
                const auto& key = parsed.get_ref<const std::string&>();
                Frame& top = m_frames.back();
                if (!top.keys.insert(key).second && m_message.empty())
                    m_message = describe(key);
                top.lastKey = key;
            }
            break;
        default: break;
        }
        return true;
    }

    bool tooDeep() const { return m_tooDeep; }
    // Empty when every object had distinct keys.
    const std::string& duplicateMessage() const { return m_message; }

private:
    struct Frame {
        std::set<std::string> keys;
        std::string lastKey; // the key whose value is being parsed, i.e. the parent of a nested object
    };

    std::string describe(const std::string& key) const
    {
        if (m_frames.size() == 1 && key == "__metadata__")
            return "__metadata__ appears twice in the header";
        if (m_frames.size() == 1)
            return "tensor " + quotedName(key) + " appears twice in the header (duplicate name)";
        const std::string& parent = m_frames[0].lastKey;
        if (m_frames.size() == 2 && parent == "__metadata__")
            return "__metadata__ has the duplicate key " + quotedName(key);
        if (m_frames.size() == 2)
            return "tensor " + quotedName(parent) + " has the duplicate key " + quotedName(key);
        return "duplicate key " + quotedName(key) + " in the header";
    }

    std::vector<Frame> m_frames;
    std::string m_message;
    bool m_tooDeep = false;
};

// Reads a JSON integer that must be >= 0; nullopt for floats, negatives, booleans and everything else.
std::optional<std::uint64_t> nonNegativeInteger(const json& value)
{
    if (value.is_number_unsigned())
        return value.get<std::uint64_t>();
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if (v >= 0)
            return static_cast<std::uint64_t>(v);
    }
    return std::nullopt;
}

class HeaderParser {
public:
    HeaderParser(std::string file, std::uint64_t dataBytes) : m_file(std::move(file)), m_dataBytes(dataBytes) {}

    [[noreturn]] void fail(const std::string& problem) const { throw Error(m_file + ": " + problem); }
    [[noreturn]] void failTensor(const std::string& name, const std::string& problem) const
    {
        fail("tensor " + quotedName(name) + " " + problem);
    }

    std::map<std::string, std::string> parseMetadata(const json& value) const
    {
        if (!value.is_object())
            fail("__metadata__ must be an object of strings, got " + jsonText(value));
        std::map<std::string, std::string> out;
        for (const auto& [key, entry] : value.items()) {
            if (!entry.is_string())
                fail("__metadata__ key " + quotedName(key) + " must be a string, got " + jsonText(entry));
            out.emplace(key, entry.get<std::string>());
        }
        return out;
    }

    SafetensorsTensorInfo parseTensor(const std::string& name, const json& entry) const
    {
        if (!entry.is_object())
            failTensor(name, "must be an object with dtype, shape and data_offsets, got " + jsonText(entry));
        SafetensorsTensorInfo info;

        const auto dtypeIt = entry.find("dtype");
        if (dtypeIt == entry.end())
            failTensor(name, "has no dtype");
        if (!dtypeIt->is_string())
            failTensor(name, "dtype must be a string, got " + jsonText(*dtypeIt));
        const auto& dtypeName = dtypeIt->get_ref<const std::string&>();
        const auto dtype = dtypeFromName(dtypeName);
        if (!dtype)
            failTensor(name, "has unknown dtype " + quotedName(dtypeName) +
                                 " (known: F64, F32, BF16, F16, I64, I32, I16, I8, U8, BOOL)");
        info.dtype = *dtype;

        const auto shapeIt = entry.find("shape");
        if (shapeIt == entry.end())
            failTensor(name, "has no shape");
        if (!shapeIt->is_array())
            failTensor(name, "shape must be an array of non-negative integers, got " + jsonText(*shapeIt));
        // The running element count must stay within int64 at every step: TensorView::numel multiplies in order.
        std::uint64_t numel = 1;
        constexpr auto kMaxCount = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        for (const auto& dim : *shapeIt) {
            const auto d = nonNegativeInteger(dim);
            if (!d)
                failTensor(name,
                           "shape " + jsonText(*shapeIt) + " must hold non-negative integers, got " + jsonText(dim));
            if (*d > kMaxCount || (*d != 0 && numel > kMaxCount / *d))
                failTensor(name, "shape " + jsonText(*shapeIt) + " has more elements than fit in 64 bits");
            numel *= *d;
            info.shape.push_back(static_cast<std::int64_t>(*d));
        }
        const std::uint64_t elementSize = dtypeSize(info.dtype);
        if (numel > std::numeric_limits<std::uint64_t>::max() / elementSize)
            failTensor(name,
                       "shape " + shapeText(info.shape) + " of " + dtypeName + " is more bytes than fit in 64 bits");
        const std::uint64_t expectedBytes = numel * elementSize;

        const auto offsetsIt = entry.find("data_offsets");
        if (offsetsIt == entry.end())
            failTensor(name, "has no data_offsets");
        std::optional<std::uint64_t> begin, end;
        if (offsetsIt->is_array() && offsetsIt->size() == 2) {
            begin = nonNegativeInteger((*offsetsIt)[0]);
            end = nonNegativeInteger((*offsetsIt)[1]);
        }
        if (!begin || !end)
            failTensor(name,
                       "data_offsets must be [begin, end] with non-negative integers, got " + jsonText(*offsetsIt));
        info.begin = *begin;
        info.end = *end;
        const std::string offsets = "data_offsets " + offsetsText(info.begin, info.end);
        if (info.begin > info.end)
            failTensor(name, offsets + " begin is past end");
        if (info.end > m_dataBytes)
            failTensor(name, offsets + " end past the " + std::to_string(m_dataBytes) + "-byte data section");
        if (info.end - info.begin != expectedBytes)
            failTensor(name, offsets + " span " + std::to_string(info.end - info.begin) + " bytes, but shape " +
                                 shapeText(info.shape) + " of " + dtypeName + " needs " +
                                 std::to_string(expectedBytes) + " (size mismatch)");
        return info;
    }

private:
    std::string m_file;
    std::uint64_t m_dataBytes = 0;
};

std::uint64_t readU64Le(const std::byte* p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = (v << 8) | static_cast<std::uint64_t>(p[i]);
    return v;
}

} // namespace

SafetensorsFile::SafetensorsFile(std::shared_ptr<const State> state) : m_state(std::move(state)) {}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path)
{
    auto state = std::make_shared<State>();
    state->file = MappedFile::open(path);
    const auto bytes = state->file->bytes();
    const std::string file = path.string();
    const std::uint64_t fileSize = bytes.size();

    if (fileSize < 8)
        throw Error(file + ": file is " + std::to_string(fileSize) +
                    " bytes, too short for the 8-byte header length of a safetensors file");
    const std::uint64_t headerBytes = readU64Le(bytes.data());
    if (headerBytes > kMaxHeaderBytes)
        throw Error(file + ": header length " + std::to_string(headerBytes) + " exceeds the " +
                    std::to_string(kMaxHeaderBytes) + "-byte limit (not a safetensors file?)");
    if (headerBytes > fileSize - 8)
        throw Error(file + ": header length " + std::to_string(headerBytes) + " runs past the end of the " +
                    std::to_string(fileSize) + "-byte file");
    state->dataOffset = 8 + headerBytes;
    HeaderParser parser(file, fileSize - state->dataOffset);

    const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
    HeaderWatcher watcher;
    json header;
    try {
        header = json::parse(text, text + headerBytes, std::ref(watcher));
    } catch (const json::exception& e) {
        // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep the position and the reason.
        std::string reason = e.what();
        if (const auto tag = reason.find("] "); tag != std::string::npos)
            reason = reason.substr(tag + 2);
        parser.fail("header is not valid JSON: " + reason);
    }
    if (!header.is_object())
        parser.fail(std::string("header must be a JSON object, got ") + header.type_name());
    if (watcher.tooDeep())
        parser.fail("header nests deeper than " + std::to_string(kMaxDepth) + " levels");
    if (!watcher.duplicateMessage().empty())
        parser.fail(watcher.duplicateMessage());

    struct Placed {
        std::string name;
        SafetensorsTensorInfo info;
    };
    std::vector<Placed> placed;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__")
            state->metadata = parser.parseMetadata(entry);
        else
            placed.push_back({name, parser.parseTensor(name, entry)});
    }

    std::sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
        return std::tie(a.info.begin, a.info.end, a.name) < std::tie(b.info.begin, b.info.end, b.name);
    });
    // Sorted by begin, a tensor overlaps some earlier one exactly when it starts before the furthest end so far.
    // Zero-byte tensors occupy no bytes, so they cannot overlap anything.
    const Placed* furthest = nullptr;
    for (const auto& p : placed) {
        if (p.info.begin == p.info.end)
            continue;
        if (furthest && p.info.begin < furthest->info.end)
            parser.fail("tensors " + quotedName(furthest->name) + " " +
                        offsetsText(furthest->info.begin, furthest->info.end) + " and " + quotedName(p.name) + " " +
                        offsetsText(p.info.begin, p.info.end) + " overlap");
        if (!furthest || p.info.end > furthest->info.end)
            furthest = &p;
    }

    state->names.reserve(placed.size());
    for (auto& p : placed) {
        state->names.push_back(p.name);
        state->infos.emplace(std::move(p.name), std::move(p.info));
    }
    return SafetensorsFile(std::move(state));
}

const std::filesystem::path& SafetensorsFile::path() const
{
    return m_state->file->path();
}

std::uint64_t SafetensorsFile::fileSize() const
{
    return m_state->file->size();
}

std::uint64_t SafetensorsFile::dataOffset() const
{
    return m_state->dataOffset;
}

std::span<const std::byte> SafetensorsFile::bytes() const
{
    return m_state->file->bytes();
}

const std::map<std::string, std::string>& SafetensorsFile::metadata() const
{
    return m_state->metadata;
}

const std::vector<std::string>& SafetensorsFile::names() const
{
    return m_state->names;
}

bool SafetensorsFile::contains(const std::string& name) const
{
    return m_state->infos.contains(name);
}

const SafetensorsTensorInfo& SafetensorsFile::info(const std::string& name) const
{
    const auto it = m_state->infos.find(name);
    if (it == m_state->infos.end())
        throw Error(path().string() + ": no tensor " + quotedName(name));
    return it->second;
}

TensorView SafetensorsFile::tensor(const std::string& name) const
{
    const SafetensorsTensorInfo& i = info(name);
    TensorView view;
    view.name = name;
    view.dtype = i.dtype;
    view.shape = i.shape;
    view.bytes = m_state->file->bytes().subspan(m_state->dataOffset + i.begin, i.end - i.begin);
    view.owner = m_state->file;
    return view;
}

} // namespace flatslice::core
