// SPDX-License-Identifier: GPL-3.0-or-later
#include "format/safetensorswriter.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <set>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "format/durablefile.h"
#include "util/error.h"

namespace flatslice::core {

namespace {

std::string quotedName(const std::string& text)
{
    std::string out = "'";
    for (const char c : text)
        out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c; // one-line messages
    return out + "'";
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string out = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

// Checks every spec before a byte is written and returns each tensor's data size.
std::vector<std::uint64_t> validateSpecs(const std::string& where, const std::vector<TensorSpec>& specs)
{
    std::vector<std::uint64_t> sizes;
    sizes.reserve(specs.size());
    std::set<std::string> seen;
    for (const auto& spec : specs) {
        if (spec.name.empty())
            throw Error(where + ": a tensor spec has an empty name");
        if (spec.name == "__metadata__")
            throw Error(where + ": '__metadata__' is reserved and cannot name a tensor");
        if (!seen.insert(spec.name).second)
            throw Error(where + ": duplicate tensor name " + quotedName(spec.name) + " in the specs");
        // The same limit the reader applies: the running element count fits int64 at every step.
        std::uint64_t numel = 1;
        constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        for (const auto d : spec.shape) {
            if (d < 0)
                throw Error(where + ": tensor " + quotedName(spec.name) + " has a negative dimension in shape " +
                            shapeText(spec.shape));
            const auto u = static_cast<std::uint64_t>(d);
            if (u != 0 && numel > kMax / u)
                throw Error(where + ": tensor " + quotedName(spec.name) + " shape " + shapeText(spec.shape) +
                            " has more elements than fit in 64 bits");
            numel *= u;
        }
        if (numel > kMax / dtypeSize(spec.dtype))
            throw Error(where + ": tensor " + quotedName(spec.name) + " shape " + shapeText(spec.shape) +
                        " is more bytes than fit in 64 bits");
        sizes.push_back(numel * dtypeSize(spec.dtype));
    }
    return sizes;
}

std::uint64_t numelOf(const std::vector<std::int64_t>& shape)
{
    std::uint64_t n = 1;
    for (const auto d : shape)
        n *= static_cast<std::uint64_t>(d);
    return n;
}

std::string headerText(const std::string& where, const std::vector<TensorSpec>& specs,
                       const std::vector<std::uint64_t>& sizes, const std::map<std::string, std::string>& metadata)
{
    // ordered_json keeps __metadata__ first and tensors in file order, which makes headers easy to read.
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        auto& m = header["__metadata__"] = nlohmann::ordered_json::object();
        for (const auto& [key, value] : metadata)
            m[key] = value;
    }
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        // Contiguous offsets: the Python library rejects gaps between tensors.
        header[specs[i].name] = {{"dtype", std::string(dtypeName(specs[i].dtype))},
                                 {"shape", specs[i].shape},
                                 {"data_offsets", {offset, offset + sizes[i]}}};
        offset += sizes[i];
    }
    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception& e) {
        throw Error(where + ": cannot write the header (a tensor name or metadata is not valid UTF-8): " + e.what());
    }
    // Pad like the Python library, so the data section starts 8-aligned.
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
}

void writeIndex(const std::filesystem::path& path, const std::vector<TensorSpec>& specs,
                const std::vector<std::uint64_t>& sizes, const std::vector<std::string>& shardOfSpec)
{
    std::uint64_t totalSize = 0;
    std::uint64_t totalParameters = 0;
    nlohmann::json weightMap = nlohmann::json::object();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        totalSize += sizes[i];
        totalParameters += numelOf(specs[i].shape);
        weightMap[specs[i].name] = shardOfSpec[i];
    }
    const nlohmann::json index = {
        {"metadata", {{"total_parameters", totalParameters}, {"total_size", totalSize}}},
        {"weight_map", weightMap},
    };
    // transformers writes json.dumps(index, indent=2, sort_keys=True) + "\n"; nlohmann::json sorts its keys.
    const std::string text = index.dump(2, ' ', true) + "\n";
    DurableFile out(path);
    out.write(text.data(), text.size());
    out.commit();
}

} // namespace

void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorSpec>& specs,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<TensorView(std::size_t index)>& produce)
{
    const std::string where = path.string();
    const auto sizes = validateSpecs(where, specs);
    const std::string header = headerText(where, specs, sizes, metadata);

    DurableFile out(path);
    unsigned char length[8];
    for (std::size_t b = 0; b < 8; ++b)
        length[b] = static_cast<unsigned char>(static_cast<std::uint64_t>(header.size()) >> (8 * b));
    out.write(length, sizeof length);
    out.write(header.data(), header.size());
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const TensorSpec& spec = specs[i];
        const TensorView view = produce(i); // dropped at the end of this iteration: one tensor at a time
        if (view.dtype != spec.dtype)
            throw Error(where + ": tensor " + quotedName(spec.name) + " was produced as " +
                        std::string(dtypeName(view.dtype)) + ", but its spec says " +
                        std::string(dtypeName(spec.dtype)));
        if (view.shape != spec.shape)
            throw Error(where + ": tensor " + quotedName(spec.name) + " was produced with shape " +
                        shapeText(view.shape) + ", but its spec says " + shapeText(spec.shape));
        if (view.bytes.size() != sizes[i])
            throw Error(where + ": tensor " + quotedName(spec.name) + " was produced with " +
                        std::to_string(view.bytes.size()) + " bytes, but shape " + shapeText(spec.shape) + " of " +
                        std::string(dtypeName(spec.dtype)) + " needs " + std::to_string(sizes[i]));
        out.write(view.bytes.data(), view.bytes.size());
    }
    out.commit();
}

void writeSafetensors(const std::filesystem::path& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata)
{
    std::vector<TensorSpec> specs;
    specs.reserve(tensors.size());
    for (const auto& t : tensors)
        specs.push_back({t.name, t.dtype, t.shape});
    writeSafetensors(path, specs, metadata, [&](std::size_t i) { return tensors[i]; });
}

void writeSafetensorsSharded(const std::filesystem::path& dir, const std::vector<TensorSpec>& specs,
                             const std::map<std::string, std::string>& metadata,
                             const std::function<TensorView(std::size_t index)>& produce, std::uint64_t maxShardBytes)
{
    const std::string where = dir.string();
    if (maxShardBytes == 0)
        throw Error(where + ": the maximum shard size must be positive");
    // Duplicates across shards would slip past the per-file check, so validate the whole set first.
    const auto sizes = validateSpecs(where, specs);

    // Shards as [first, last) spec ranges. Packing stays in spec order so that produce() is called in order.
    std::vector<std::pair<std::size_t, std::size_t>> shards;
    std::uint64_t current = 0;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (shards.empty() || (shards.back().second > shards.back().first && current + sizes[i] > maxShardBytes)) {
            shards.emplace_back(i, i);
            current = 0;
        }
        shards.back().second = i + 1;
        current += sizes[i];
    }
    if (shards.empty())
        shards.emplace_back(0, 0);

    if (shards.size() == 1) {
        writeSafetensors(dir / "model.safetensors", specs, metadata, produce);
        return;
    }

    std::vector<std::filesystem::path> written;
    try {
        std::vector<std::string> shardOfSpec(specs.size());
        for (std::size_t s = 0; s < shards.size(); ++s) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
            const auto [first, last] = shards[s];
            const std::vector<TensorSpec> part(specs.begin() + static_cast<std::ptrdiff_t>(first),
                                               specs.begin() + static_cast<std::ptrdiff_t>(last));
            const auto path = dir / name;
            writeSafetensors(path, part, metadata, [&](std::size_t i) { return produce(first + i); });
            written.push_back(path);
            for (std::size_t i = first; i < last; ++i)
                shardOfSpec[i] = name;
        }
        writeIndex(dir / "model.safetensors.index.json", specs, sizes, shardOfSpec);
    } catch (...) {
        for (const auto& path : written) {
            std::error_code ignored;
            std::filesystem::remove(path, ignored);
        }
        throw;
    }
}

} // namespace flatslice::core
