// SPDX-License-Identifier: GPL-3.0-or-later
// plan: write a plan file from an analysis session, by explicit choice or by the session's own rankings.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "analysis/analysissummary.h"
#include "analysis/sessionfile.h"
#include "arguments.h"
#include "commands.h"
#include "compress/estimator.h"
#include "compress/plan.h"
#include "compress/plansuggestion.h"
#include "format/durablefile.h"
#include "util/error.h"
#include "util/humanunits.h"

namespace flatslice::app {

namespace {

const char* kPlanHelp =
    R"(usage: flatslice plan SESSION.flatslice.h5 -o PLAN.json [--flatten I:J,... | --flatten-ratio R]
                      [--drop I,J,... | --drop-count N] [--slice R] [--rounding N] [--slice-head]
                      [--protect-first N] [--protect-last N] [--max-group N] [--force]

Writes a compression plan (docs/plan-format.md) for the model that SESSION analysed, and prints what it does and
an estimate of what it saves. The plan records the session's model fingerprint and calibration protocol, so
`flatslice compress MODEL --plan PLAN.json` can check it is applied to the same model.

  --flatten I:J,...   flatten these runs of consecutive blocks, I through J (3:4 is the pair 3+4)
  --flatten-ratio R   flatten round(R x blocks) times, each time the adjacent pair whose inputs are most similar
                      (FlattenGPT's criterion as the session measured it), pairs not overlapping
  --max-group N       let merged units merge again, up to N blocks in one layer (default 2: pairs only); a
                      merge of units u and v is scored by the similarity of u's first and v's last block's inputs
  --drop I,J,...      drop these blocks (ShortGPT baseline)
  --drop-count N      drop the N blocks with the lowest Block Influence (1 - cos(input, output)) among those
                      neither flattened nor protected
  --slice R           slice the residual stream by the fraction R in [0, 1) (SliceGPT); --rounding N rounds the
                      width down to a multiple of N (default 8); --slice-head slices the LM head's input too
  --protect-first N   never flatten or drop the first N blocks; --protect-last N the last N
  --force             replace an existing PLAN.json

Block numbers are 0-based indices of the original model. Explicit lists and suggestions combine: the suggestions
avoid the blocks chosen explicitly.
)";

// Parses a non-negative integer that is all of `text`; the caller names the flag.
std::optional<std::int64_t> parseIndex(const std::string& text)
{
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 12)
        return std::nullopt;
    return std::stoll(text);
}

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        items.push_back(item);
    if (!text.empty() && text.back() == ',')
        items.emplace_back();
    return items;
}

std::vector<std::int64_t> parseDrop(const std::string& text)
{
    std::vector<std::int64_t> out;
    for (const std::string& item : splitList(text)) {
        const auto index = parseIndex(item);
        if (!index)
            throw UsageError("--drop " + text + ": '" + item + "' is not a block number (expected e.g. 5,12,20)");
        out.push_back(*index);
    }
    if (out.empty())
        throw UsageError("--drop needs at least one block number (e.g. 5,12,20)");
    return out;
}

std::vector<std::vector<std::int64_t>> parseFlatten(const std::string& text)
{
    std::vector<std::vector<std::int64_t>> out;
    for (const std::string& item : splitList(text)) {
        const auto colon = item.find(':');
        const auto first = colon == std::string::npos ? std::nullopt : parseIndex(item.substr(0, colon));
        const auto last = colon == std::string::npos ? std::nullopt : parseIndex(item.substr(colon + 1));
        if (!first || !last)
            throw UsageError("--flatten " + text + ": '" + item +
                             "' is not a run I:J of blocks (expected e.g. 3:4,10:11)");
        if (*last <= *first)
            throw UsageError("--flatten " + text + ": '" + item + "' must end after it starts (I:J with J > I)");
        std::vector<std::int64_t> group;
        for (std::int64_t b = *first; b <= *last; ++b)
            group.push_back(b);
        out.push_back(std::move(group));
    }
    if (out.empty())
        throw UsageError("--flatten needs at least one run I:J (e.g. 3:4)");
    return out;
}

double parseFraction(const Arguments& args, const std::string& flag)
{
    const std::string text = *args.value(flag);
    try {
        std::size_t used = 0;
        const double v = std::stod(text, &used);
        if (used != text.size() || !std::isfinite(v) || v < 0.0 || v >= 1.0)
            throw std::invalid_argument(text);
        return v;
    } catch (const std::exception&) {
        throw UsageError(flag + " expects a fraction in [0, 1), got '" + text + "'");
    }
}

std::int64_t parseCount(const Arguments& args, const std::string& flag)
{
    const long long v = args.intOr(flag, 0);
    if (v < 0)
        throw UsageError(flag + " must be >= 0, got " + std::to_string(v));
    return v;
}

// Re-throws a plan validation Error with the flag it came from in front.
template <typename F>
void blameFlag(const std::string& flag, F&& check)
{
    try {
        check();
    } catch (const core::Error& e) {
        throw UsageError(flag + ": " + e.what());
    }
}

std::string blocksText(const std::vector<std::int64_t>& blocks)
{
    std::string out;
    for (std::size_t i = 0; i < blocks.size(); ++i)
        out += (i ? "+" : "") + std::to_string(blocks[i]);
    return out;
}

void printSummary(const core::AnalysisResult& session, const core::Plan& plan, const core::Estimate& estimate,
                  const std::string& sessionPath, const std::string& out)
{
    const core::ModelConfig& c = session.config;
    std::printf("session   %s (%s, %lld blocks, hidden %lld; calibrated on %s, %lld x %lld tokens)\n",
                sessionPath.c_str(), c.architecture.c_str(), static_cast<long long>(c.numLayers),
                static_cast<long long>(c.hiddenSize), session.protocol.corpusPath.c_str(),
                static_cast<long long>(session.protocol.samples), static_cast<long long>(session.protocol.seqlen));
    if (plan.flatten.empty())
        std::printf("flatten   none\n");
    for (const auto& group : plan.flatten) {
        // The pair criterion of a group: the similarity of its first and last blocks' inputs.
        const auto first = group.front();
        const auto depths = session.depths();
        const double s = group.size() == 2 ? session.pairSimilarity(first)
                         : static_cast<std::int64_t>(session.anyToAny.size()) == depths * depths
                             ? session.anyToAny[static_cast<std::size_t>(first * depths + group.back())]
                             : std::nan("");
        std::printf("flatten   blocks %s (input similarity %.4f)\n", blocksText(group).c_str(), s);
    }
    if (plan.drop.empty())
        std::printf("drop      none\n");
    for (const std::int64_t b : plan.drop)
        std::printf("drop      block %lld (block influence %.4f)\n", static_cast<long long>(b),
                    session.blocks[static_cast<std::size_t>(b)].blockInfluence);
    if (plan.slice) {
        const std::int64_t width = core::slicedWidth(c.hiddenSize, *plan.slice->ratio, plan.slice->rounding);
        std::printf("slice     ratio %.4g: residual width %lld of %lld (multiple of %lld)%s\n", *plan.slice->ratio,
                    static_cast<long long>(width), static_cast<long long>(c.hiddenSize),
                    static_cast<long long>(plan.slice->rounding), plan.slice->sliceHead ? ", head sliced" : "");
    } else {
        std::printf("slice     none\n");
    }
    std::printf("estimate  parameters %s -> %s (%.2f%% removed), layers %lld -> %lld\n",
                core::millions(estimate.dense.params.total()).c_str(),
                core::millions(estimate.compressed.params.total()).c_str(), 100.0 * estimate.removedRatio,
                static_cast<long long>(estimate.dense.layers), static_cast<long long>(estimate.compressed.layers));
    for (const auto& w : estimate.warnings)
        std::printf("warning   %s\n", w.c_str());
    std::printf("plan      %s\n", out.c_str());
}

void writeText(const std::filesystem::path& path, const std::string& text, bool force)
{
    std::error_code ec;
    if (!force && std::filesystem::exists(path, ec))
        throw core::Error(path.string() + ": already exists (use --force to replace it)");
    core::writeFileDurably(path, text);
}

} // namespace

int planCommand(const Args& raw)
{
    if (wantsHelp(raw)) {
        std::cout << kPlanHelp;
        return 0;
    }
    const Arguments args(raw, {"--slice-head", "--force"},
                         {"--flatten", "--flatten-ratio", "--drop", "--drop-count", "--slice", "--rounding",
                          "--protect-first", "--protect-last", "--max-group", "-o", "--output"});
    args.expectPositionals(1, "one SESSION.flatslice.h5");
    const auto out = args.value("-o") ? args.value("-o") : args.value("--output");
    if (!out)
        throw UsageError("plan needs -o PLAN.json");
    if (args.value("--flatten") && args.value("--flatten-ratio"))
        throw UsageError("--flatten and --flatten-ratio exclude each other; give one");
    if (args.value("--drop") && args.value("--drop-count"))
        throw UsageError("--drop and --drop-count exclude each other; give one");
    if (!args.value("--slice") && (args.value("--rounding") || args.has("--slice-head")))
        throw UsageError("--rounding and --slice-head shape slicing; they need --slice R");

    core::SuggestOptions options;
    options.protectFirstBlocks = parseCount(args, "--protect-first");
    options.protectLastBlocks = parseCount(args, "--protect-last");
    if (args.value("--max-group")) {
        options.maxGroupSize = parseCount(args, "--max-group");
        if (options.maxGroupSize < 2)
            throw UsageError("--max-group " + *args.value("--max-group") + ": a group has at least 2 blocks");
    }
    if (const auto text = args.value("--flatten"))
        options.fixedFlatten = parseFlatten(*text);
    if (const auto text = args.value("--drop"))
        options.fixedDrop = parseDrop(*text);
    options.dropCount = parseCount(args, "--drop-count");
    if (args.value("--slice")) {
        core::SlicePlan slice;
        slice.ratio = parseFraction(args, "--slice");
        slice.rounding = args.intOr("--rounding", 8);
        if (slice.rounding < 1)
            throw UsageError("--rounding must be >= 1, got " + std::to_string(slice.rounding));
        slice.sliceHead = args.has("--slice-head");
        options.slice = slice;
    }

    const std::string sessionPath = args.positionals()[0];
    const core::AnalysisResult session = core::readSession(sessionPath);
    const core::ModelConfig& config = session.config;
    const std::int64_t layers = static_cast<std::int64_t>(session.blocks.size());
    if (options.protectFirstBlocks + options.protectLastBlocks >= layers && layers > 0)
        throw UsageError("--protect-first " + std::to_string(options.protectFirstBlocks) + " and --protect-last " +
                         std::to_string(options.protectLastBlocks) + " protect all " + std::to_string(layers) +
                         " blocks");

    // Explicit lists first, each on its own, so that an error names the flag it came from.
    const auto protectedBy = [&](std::int64_t b) -> std::string {
        if (b < options.protectFirstBlocks)
            return "--protect-first " + std::to_string(options.protectFirstBlocks);
        if (b >= layers - options.protectLastBlocks && b < layers)
            return "--protect-last " + std::to_string(options.protectLastBlocks);
        return "";
    };
    if (!options.fixedFlatten.empty()) {
        core::Plan only;
        only.flatten = options.fixedFlatten;
        blameFlag("--flatten " + *args.value("--flatten"), [&] { only.validateAgainst(config, "plan"); });
        for (const auto& group : options.fixedFlatten)
            for (const std::int64_t b : group)
                if (const std::string by = protectedBy(b); !by.empty())
                    throw UsageError("--flatten " + *args.value("--flatten") + ": block " + std::to_string(b) +
                                     " is protected by " + by);
    }
    if (!options.fixedDrop.empty()) {
        core::Plan only;
        only.drop = options.fixedDrop;
        blameFlag("--drop " + *args.value("--drop"), [&] { only.validateAgainst(config, "plan"); });
        for (const std::int64_t b : options.fixedDrop)
            if (const std::string by = protectedBy(b); !by.empty())
                throw UsageError("--drop " + *args.value("--drop") + ": block " + std::to_string(b) +
                                 " is protected by " + by);
        for (const auto& group : options.fixedFlatten)
            for (const std::int64_t b : group)
                if (std::count(options.fixedDrop.begin(), options.fixedDrop.end(), b))
                    throw UsageError("--drop " + *args.value("--drop") + ": block " + std::to_string(b) +
                                     " is also flattened by --flatten");
    }

    if (options.slice) {
        core::Plan only;
        only.slice = options.slice;
        blameFlag("--slice " + *args.value("--slice"), [&] { only.validateAgainst(config, "plan"); });
    }

    // Then the suggestions, flattening before dropping (the drops avoid the flattened blocks).
    if (args.value("--flatten-ratio")) {
        const double ratio = parseFraction(args, "--flatten-ratio");
        options.flattenCount = std::llround(ratio * static_cast<double>(layers));
        const std::int64_t dropCount = options.dropCount;
        options.dropCount = 0;
        core::Plan flattened;
        blameFlag("--flatten-ratio " + *args.value("--flatten-ratio"),
                  [&] { flattened = core::suggestPlan(session, options); });
        options.fixedFlatten = flattened.flatten;
        options.flattenCount = 0;
        options.dropCount = dropCount;
    }
    core::Plan plan;
    blameFlag(options.dropCount > 0 ? "--drop-count " + *args.value("--drop-count") : std::string("plan"),
              [&] { plan = core::suggestPlan(session, options); });
    plan.validateAgainst(config, *out);
    const core::Estimate estimate = core::estimate(config, plan, {}, *out);

    writeText(*out, plan.toJson(), args.has("--force"));
    printSummary(session, plan, estimate, sessionPath, *out);
    return 0;
}

} // namespace flatslice::app
