// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/safetensorsindex.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <set>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/filereader.h"

namespace flatslice::core {

using nlohmann::json;

struct SafetensorsCheckpoint::State {
    std::filesystem::path path;
    std::vector<SafetensorsFile> shards; // sorted by file name
    std::vector<std::string> names;
    std::unordered_map<std::string, std::size_t> shardOf; // tensor name -> index into shards
    std::uint64_t totalBytes = 0;
};

namespace {

constexpr const char* kIndexName = "model.safetensors.index.json";
constexpr const char* kSingleName = "model.safetensors";
// A weight_map for a trillion-parameter model is a few MB; anything near this is not an index.
constexpr std::uintmax_t kMaxIndexBytes = 100'000'000;

std::string quotedName(const std::string& text)
{
    std::string out = "'";
    for (const char c : text)
        out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c; // one-line messages, whatever the file holds
    return out + "'";
}

// A shard name must stay inside the checkpoint directory: a crafted index must not make us map /etc/shadow.
bool isPlainFileName(const std::string& name)
{
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\\') == std::string::npos && name.find('\0') == std::string::npos;
}

// nlohmann keeps the last of two equal keys silently; a tensor listed twice in weight_map is ambiguous.
class WeightMapDuplicates {
public:
    bool operator()(int depth, json::parse_event_t event, json& parsed)
    {
        if (event == json::parse_event_t::key) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (depth == 1)
                m_inWeightMap = key == "weight_map";
            else if (depth == 2 && m_inWeightMap && !m_seen.insert(key).second && m_duplicate.empty())
                m_duplicate = key;
        }
        return depth <= 8; // the index nests two levels; dropping deeper values keeps recursion bounded
    }
    const std::string& duplicate() const { return m_duplicate; }

private:
    bool m_inWeightMap = false;
    std::set<std::string> m_seen;
    std::string m_duplicate;
};

// Reads the index: tensor name -> shard file name, validated but not yet opened.
std::map<std::string, std::string> readWeightMap(const std::filesystem::path& indexPath)
{
    const std::string file = indexPath.string();
    const std::string text = readFile(indexPath, "safetensors index", kMaxIndexBytes);

    WeightMapDuplicates duplicates;
    json index;
    try {
        index = json::parse(text, std::ref(duplicates));
    } catch (const json::exception& e) {
        std::string reason = e.what();
        if (const auto tag = reason.find("] "); tag != std::string::npos)
            reason = reason.substr(tag + 2);
        throw Error(file + ": not valid JSON: " + reason);
    }
    if (!index.is_object())
        throw Error(file + ": must be a JSON object with a weight_map, got " + index.type_name());
    const auto weightMap = index.find("weight_map");
    if (weightMap == index.end())
        throw Error(file + ": has no weight_map");
    if (!weightMap->is_object())
        throw Error(file + ": weight_map must be an object of tensor name -> shard file, got " +
                    weightMap->type_name());
    if (!duplicates.duplicate().empty())
        throw Error(file + ": tensor " + quotedName(duplicates.duplicate()) + " appears twice in weight_map");

    std::map<std::string, std::string> out;
    for (const auto& [name, shard] : weightMap->items()) {
        if (!shard.is_string())
            throw Error(file + ": weight_map entry for tensor " + quotedName(name) + " must be a file name, got " +
                        shard.type_name());
        const auto& shardName = shard.get_ref<const std::string&>();
        if (!isPlainFileName(shardName))
            throw Error(file + ": tensor " + quotedName(name) + " maps to shard " + quotedName(shardName) +
                        ", which is not a plain file name in the checkpoint directory (path traversal refused)");
        out.emplace(name, shardName);
    }
    return out;
}

} // namespace

SafetensorsCheckpoint::SafetensorsCheckpoint(const std::filesystem::path& path)
{
    auto state = std::make_shared<State>();
    state->path = path;
    std::error_code ec;

    std::filesystem::path indexPath;
    std::filesystem::path singlePath;
    if (std::filesystem::is_directory(path, ec)) {
        if (std::filesystem::exists(path / kIndexName, ec))
            indexPath = path / kIndexName;
        else if (std::filesystem::exists(path / kSingleName, ec))
            singlePath = path / kSingleName;
        else
            throw Error(path.string() + ": no weights: looked for " + kIndexName + " and " + kSingleName);
    } else if (path.filename().string().ends_with(".index.json")) {
        indexPath = path;
    } else if (std::filesystem::exists(path, ec)) {
        singlePath = path;
    } else {
        throw Error(path.string() + ": no such file or directory");
    }

    if (!singlePath.empty()) {
        state->shards.push_back(SafetensorsFile::open(singlePath));
        for (const auto& name : state->shards[0].names())
            state->shardOf.emplace(name, 0);
        state->names = state->shards[0].names();
    } else {
        const auto weightMap = readWeightMap(indexPath);
        const auto directory = indexPath.parent_path();
        const std::string indexFile = indexPath.string();

        std::set<std::string> shardNames;
        for (const auto& [tensor, shard] : weightMap)
            shardNames.insert(shard);
        std::map<std::string, std::size_t> shardIndex; // file name -> position in state->shards
        for (const auto& shardName : shardNames) {
            const auto shardPath = directory / shardName;
            if (!std::filesystem::is_regular_file(shardPath, ec)) {
                const auto user = std::find_if(weightMap.begin(), weightMap.end(),
                                               [&](const auto& entry) { return entry.second == shardName; });
                throw Error(indexFile + ": shard " + quotedName(shardName) + " (holding tensor " +
                            quotedName(user->first) + ") is missing from " + directory.string());
            }
            shardIndex.emplace(shardName, state->shards.size());
            state->shards.push_back(SafetensorsFile::open(shardPath));
        }

        // A tensor stored twice would load as whichever shard a reader happened to open last.
        std::unordered_map<std::string, std::size_t> storedIn;
        for (std::size_t i = 0; i < state->shards.size(); ++i) {
            for (const auto& name : state->shards[i].names()) {
                const auto [it, fresh] = storedIn.emplace(name, i);
                if (!fresh)
                    throw Error(indexFile + ": tensor " + quotedName(name) + " is stored in two shards, " +
                                quotedName(state->shards[it->second].path().filename().string()) + " and " +
                                quotedName(state->shards[i].path().filename().string()));
            }
        }

        for (const auto& [tensor, shardName] : weightMap) {
            const std::size_t i = shardIndex.at(shardName);
            if (!state->shards[i].contains(tensor))
                throw Error(indexFile + ": tensor " + quotedName(tensor) + " is mapped to shard " +
                            quotedName(shardName) + ", which does not hold it");
            state->shardOf.emplace(tensor, i);
        }
        for (std::size_t i = 0; i < state->shards.size(); ++i)
            for (const auto& name : state->shards[i].names())
                if (state->shardOf.contains(name))
                    state->names.push_back(name);
    }

    for (const auto& name : state->names) {
        const auto& i = state->shards[state->shardOf.at(name)].info(name);
        state->totalBytes += i.end - i.begin;
    }
    m_state = std::move(state);
}

const std::filesystem::path& SafetensorsCheckpoint::path() const
{
    return m_state->path;
}

const std::vector<std::string>& SafetensorsCheckpoint::names() const
{
    return m_state->names;
}

bool SafetensorsCheckpoint::contains(const std::string& name) const
{
    return m_state->shardOf.contains(name);
}

const SafetensorsFile& SafetensorsCheckpoint::shardOf(const std::string& name) const
{
    const auto it = m_state->shardOf.find(name);
    if (it == m_state->shardOf.end())
        throw Error(m_state->path.string() + ": no tensor " + quotedName(name));
    return m_state->shards[it->second];
}

const SafetensorsTensorInfo& SafetensorsCheckpoint::info(const std::string& name) const
{
    return shardOf(name).info(name);
}

TensorView SafetensorsCheckpoint::tensor(const std::string& name) const
{
    return shardOf(name).tensor(name);
}

std::vector<std::filesystem::path> SafetensorsCheckpoint::files() const
{
    std::vector<std::filesystem::path> out;
    out.reserve(m_state->shards.size());
    for (const auto& shard : m_state->shards)
        out.push_back(shard.path());
    return out;
}

std::uint64_t SafetensorsCheckpoint::totalBytes() const
{
    return m_state->totalBytes;
}

const std::map<std::string, std::string>& SafetensorsCheckpoint::metadata() const
{
    static const std::map<std::string, std::string> kNone;
    return m_state->shards.empty() ? kNone : m_state->shards.front().metadata();
}

} // namespace flatslice::core
