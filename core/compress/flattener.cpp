// SPDX-License-Identifier: GPL-3.0-or-later
#include "compress/flattener.h"

#include <algorithm>
#include <cstdio>

#include "util/error.h"

namespace flatslice::core {

namespace {

torch::Tensor f32(const torch::Tensor& t)
{
    return t.to(torch::kFloat32);
}

// Concatenates the defined tensors of `parts` along `dim`; undefined when all are undefined, Error when mixed.
torch::Tensor catDefined(const std::vector<torch::Tensor>& parts, std::int64_t dim, const char* what)
{
    std::vector<torch::Tensor> defined;
    for (const auto& p : parts)
        if (p.defined())
            defined.push_back(f32(p));
    if (defined.empty())
        return {};
    if (defined.size() != parts.size())
        throw Error(std::string("flatten: ") + what + " is present in some blocks of the group only");
    return torch::cat(defined, dim);
}

torch::Tensor sumDefined(const std::vector<torch::Tensor>& parts)
{
    torch::Tensor sum;
    for (const auto& p : parts)
        if (p.defined())
            sum = sum.defined() ? sum + f32(p) : f32(p);
    return sum;
}

torch::Tensor cast(const torch::Tensor& t, torch::Dtype dtype)
{
    return t.defined() ? t.to(dtype).contiguous() : t;
}

// A q/k norm gain as one row per head: [heads, headDim].
torch::Tensor perHead(const torch::Tensor& gain, std::int64_t heads)
{
    if (!gain.defined())
        return gain;
    return gain.dim() == 2 ? f32(gain) : f32(gain).unsqueeze(0).expand({heads, gain.size(0)}).contiguous();
}

torch::Tensor indexTensor(const std::vector<std::int64_t>& v)
{
    return torch::tensor(v, torch::TensorOptions().dtype(torch::kInt64));
}

LinearWeights selectRows(const LinearWeights& w, const torch::Tensor& rows)
{
    LinearWeights out;
    out.weight = w.weight.index_select(0, rows).contiguous();
    if (w.bias.defined())
        out.bias = w.bias.index_select(0, rows).contiguous();
    return out;
}

// Relative error of approximating Psi W by Psi W' measured through C = Psi^T Psi: tr(E^T C E) / tr(W^T C W).
double relativeError(const torch::Tensor& gram, const torch::Tensor& full, const torch::Tensor& approx)
{
    const torch::Tensor e = full - approx;
    const double num = (e * gram.mm(e)).sum().item<double>();
    const double den = (full * gram.mm(full)).sum().item<double>();
    return den > 0.0 ? num / den : 0.0;
}

} // namespace

Flattener::Flattener(const ModelConfig& config, torch::Dtype dtype, const PlanOptions& options)
    : m_config(config), m_dtype(dtype), m_options(options)
{
    // Folding a norm gain into its readers is exact only for a scale-only norm that is followed by linear maps,
    // and one wide layer is a standard layer only for sequential pre-norm blocks.
    if (config.normKind != NormKind::RmsNorm || !config.gatedMlp || config.parallelBlock || config.learnedPositions)
        throw Error("flatten: " + config.architecture +
                    " is not supported yet (FlattenGPT is implemented for Llama-family models: RMSNorm, gated "
                    "MLP, sequential blocks)");
}

TransformerImpl Flattener::scratchModel(const BlockWeights& block) const
{
    ModelWeights w;
    w.blocks.push_back(block);
    ModelConfig c = m_config;
    c.numLayers = 1;
    return TransformerImpl(std::move(c), std::move(w), m_dtype);
}

BlockWeights Flattener::widen(const std::vector<const BlockWeights*>& blocks) const
{
    if (blocks.size() < 2)
        throw Error("flatten: a group needs at least two blocks");
    std::vector<torch::Tensor> q, k, v, qb, kb, vb, o, ob, gate, up, gb, ub, down, db, qn, kn;
    BlockWeights wide;
    for (const BlockWeights* b : blocks) {
        // N(x) W^T = N^(x) diag(alpha) W^T: scale the columns (inputs) of each reader by its own norm's gain.
        const torch::Tensor a1 = f32(b->attnNorm.weight).unsqueeze(0);
        const torch::Tensor a2 = f32(b->mlpNorm.weight).unsqueeze(0);
        q.push_back(f32(b->q.weight) * a1);
        k.push_back(f32(b->k.weight) * a1);
        v.push_back(f32(b->v.weight) * a1);
        qb.push_back(b->q.bias);
        kb.push_back(b->k.bias);
        vb.push_back(b->v.bias);
        o.push_back(b->o.weight);
        ob.push_back(b->o.bias);
        gate.push_back(f32(b->gate.weight) * a2);
        up.push_back(f32(b->up.weight) * a2);
        gb.push_back(b->gate.bias);
        ub.push_back(b->up.bias);
        down.push_back(b->down.weight);
        db.push_back(b->down.bias);
        qn.push_back(perHead(b->qNorm.weight, b->numHeads));
        kn.push_back(perHead(b->kNorm.weight, b->numKvHeads));
        wide.numHeads += b->numHeads;
        wide.numKvHeads += b->numKvHeads;
    }
    const torch::Dtype d = m_dtype;
    wide.attnNorm.weight = torch::ones({m_config.hiddenSize}, torch::TensorOptions().dtype(d));
    wide.mlpNorm.weight = torch::ones({m_config.hiddenSize}, torch::TensorOptions().dtype(d));
    wide.q = {cast(torch::cat(q, 0), d), cast(catDefined(qb, 0, "q bias"), d)};
    wide.k = {cast(torch::cat(k, 0), d), cast(catDefined(kb, 0, "k bias"), d)};
    wide.v = {cast(torch::cat(v, 0), d), cast(catDefined(vb, 0, "v bias"), d)};
    // Stacked writers: the wide output is the sum of the sub-blocks' outputs, so output biases add up.
    wide.o = {cast(catDefined(o, 1, "o weight"), d), cast(sumDefined(ob), d)};
    wide.gate = {cast(torch::cat(gate, 0), d), cast(catDefined(gb, 0, "gate bias"), d)};
    wide.up = {cast(torch::cat(up, 0), d), cast(catDefined(ub, 0, "up bias"), d)};
    wide.down = {cast(catDefined(down, 1, "down weight"), d), cast(sumDefined(db), d)};
    wide.qNorm.weight = cast(catDefined(qn, 0, "q norm"), d);
    wide.kNorm.weight = cast(catDefined(kn, 0, "k norm"), d);
    return wide;
}

BlockWeights Flattener::keepKvGroups(const BlockWeights& wide, const std::vector<std::int64_t>& groups) const
{
    const std::int64_t hd = m_config.headDim;
    const std::int64_t perGroup = wide.numHeads / wide.numKvHeads;
    std::vector<std::int64_t> heads, qRows, kvRows;
    for (const std::int64_t g : groups) {
        if (g < 0 || g >= wide.numKvHeads)
            throw Error("flatten: KV group " + std::to_string(g) + " out of range");
        for (std::int64_t h = g * perGroup; h < (g + 1) * perGroup; ++h) {
            heads.push_back(h);
            for (std::int64_t r = 0; r < hd; ++r)
                qRows.push_back(h * hd + r);
        }
        for (std::int64_t r = 0; r < hd; ++r)
            kvRows.push_back(g * hd + r);
    }
    const torch::Tensor qIdx = indexTensor(qRows), kvIdx = indexTensor(kvRows);
    BlockWeights out = wide;
    out.q = selectRows(wide.q, qIdx);
    out.k = selectRows(wide.k, kvIdx);
    out.v = selectRows(wide.v, kvIdx);
    out.o.weight = wide.o.weight.index_select(1, qIdx).contiguous();
    if (wide.qNorm.weight.defined() && wide.qNorm.weight.dim() == 2) {
        out.qNorm.weight = wide.qNorm.weight.index_select(0, indexTensor(heads)).contiguous();
        out.kNorm.weight = wide.kNorm.weight.index_select(0, indexTensor(groups)).contiguous();
    }
    out.numHeads = static_cast<std::int64_t>(heads.size());
    out.numKvHeads = static_cast<std::int64_t>(groups.size());
    return out;
}

double Flattener::collapseQkNorm(BlockWeights& block)
{
    double deviation = 0.0;
    for (NormWeights* n : {&block.qNorm, &block.kNorm}) {
        if (!n->weight.defined() || n->weight.dim() != 2)
            continue;
        const torch::Tensor g = f32(n->weight);
        const torch::Tensor mean = g.mean(0);
        const double scale = std::max(mean.norm().item<double>(), 1e-12);
        deviation = std::max(deviation, (g - mean.unsqueeze(0)).norm(2, {1}).max().item<double>() / scale);
        n->weight = mean.to(n->weight.scalar_type()).contiguous();
    }
    return deviation;
}

BlockWeights Flattener::pruneMlp(const BlockWeights& wide, const torch::Tensor& gram, FlattenGroupReport& report) const
{
    const std::int64_t n = gram.size(0);
    const std::int64_t keep = m_config.intermediateSize;
    if (keep > n)
        throw Error("flatten: cannot keep " + std::to_string(keep) + " of " + std::to_string(n) + " channels");
    const torch::Tensor c = gram.to(torch::kFloat64);
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    const double trace = c.trace().item<double>();
    double lambda = m_options.flattenLambdaFactor * trace / static_cast<double>(n);
    if (!(lambda > 0.0))
        lambda = 1e-8; // no signal at all (dead channels): any ranking is as good, keep the solve defined
    report.lambda = lambda;
    const torch::Tensor eye = torch::eye(n, f64);
    // s_i = [C (C + lambda I)^-1]_ii = 1 - lambda [(C + lambda I)^-1]_ii: the top s_i are the smallest diagonals.
    const torch::Tensor inverseDiag = torch::cholesky_inverse(torch::linalg_cholesky(c + lambda * eye)).diagonal();
    torch::Tensor idx = std::get<1>(torch::topk(-inverseDiag, keep));
    idx = std::get<0>(torch::sort(idx));
    return keepChannels(wide, gram, idx, report);
}

BlockWeights Flattener::keepChannels(const BlockWeights& wide, const torch::Tensor& gram, const torch::Tensor& channels,
                                     FlattenGroupReport& report) const
{
    const std::int64_t n = gram.size(0);
    const torch::Tensor idx = channels.to(torch::kInt64).contiguous();
    const std::int64_t keep = idx.numel();
    const torch::Tensor c = gram.to(torch::kFloat64);
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    double lambda = m_options.flattenLambdaFactor * c.trace().item<double>() / static_cast<double>(n);
    if (!(lambda > 0.0))
        lambda = 1e-8;
    report.lambda = lambda;
    report.keptChannels.assign(idx.data_ptr<std::int64_t>(), idx.data_ptr<std::int64_t>() + keep);

    // W_D' = (S^T C S + lambda I)^-1 (S^T C W_D + lambda S^T W_D), W_D = down^T [n, d].
    const torch::Tensor wd = wide.down.weight.to(torch::kFloat64).t();
    const torch::Tensor cs = c.index_select(0, idx);
    const torch::Tensor css = cs.index_select(1, idx);
    const torch::Tensor selected = wd.index_select(0, idx);
    const torch::Tensor rhs = cs.mm(wd) + lambda * selected;
    const torch::Tensor solved = torch::cholesky_solve(rhs,
                                                       torch::linalg_cholesky(css + lambda * torch::eye(keep, f64)));

    torch::Tensor plain = torch::zeros_like(wd);
    plain.index_copy_(0, idx, selected);
    torch::Tensor compensated = torch::zeros_like(wd);
    compensated.index_copy_(0, idx, solved);
    report.selectionError = relativeError(c, wd, plain);
    report.compensatedError = relativeError(c, wd, compensated);

    BlockWeights out = wide;
    out.gate = selectRows(wide.gate, idx);
    out.up = selectRows(wide.up, idx);
    out.down.weight = solved.t().to(m_dtype).contiguous();
    return out;
}

BlockWeights Flattener::prune(const BlockWeights& wide, const std::vector<torch::Tensor>& inputs,
                              const AttentionContext& context, FlattenGroupReport& report, const Progress& progress,
                              const std::vector<torch::Tensor>* targets) const
{
    const std::int64_t hd = m_config.headDim;
    // Progress counts passes over the calibration batches: scores, then per candidate statistics (and a check).
    const std::int64_t members = wide.numKvHeads / m_config.numKvHeads;
    const bool checked = m_options.flattenSelection == FlattenSelection::Checked && targets &&
                         targets->size() == inputs.size();
    const std::int64_t total = checked ? 1 + 2 * (1 + 2 * members) : 2;
    std::int64_t done = 0;

    // Pass 1: head scores of the wide block.
    const torch::Tensor oWeight = f32(wide.o.weight);                             // [d, heads * hd]
    const torch::Tensor colNorm = oWeight.norm(2, {0}).view({wide.numHeads, hd}); // ||W_O column||
    torch::Tensor scores = torch::zeros({wide.numHeads}, torch::TensorOptions().dtype(torch::kFloat64));
    std::int64_t tokens = 0;
    Probe headProbe;
    headProbe.points = static_cast<std::uint32_t>(ProbePoint::AttnHeads);
    headProbe.callback = [&](std::int64_t, ProbePoint, const torch::Tensor& heads) {
        const torch::Tensor h = f32(heads); // [B, T, heads, hd]
        tokens += h.size(0) * h.size(1);
        if (m_options.headScore == HeadScore::FlattenGpt) {
            scores += (h * colNorm).norm(2, {-1}).sum(std::vector<std::int64_t>{0, 1}).to(torch::kFloat64);
        } else {
            for (std::int64_t i = 0; i < wide.numHeads; ++i) {
                const torch::Tensor write = torch::matmul(h.select(2, i), oWeight.narrow(1, i * hd, hd).t());
                scores[i] += write.norm(2, {-1}).sum().to(torch::kFloat64);
            }
        }
    };
    {
        const TransformerImpl scratch = scratchModel(wide);
        for (const torch::Tensor& x : inputs) {
            progress.step(done, total, "scoring heads");
            scratch.block(0, x, context, &headProbe);
        }
    }
    ++done;
    scores /= static_cast<double>(std::max<std::int64_t>(tokens, 1));
    report.tokens = tokens;
    report.headScores.assign(scores.data_ptr<double>(), scores.data_ptr<double>() + wide.numHeads);

    // Whole KV groups by the summed score of their query heads.
    const std::int64_t perGroup = wide.numHeads / wide.numKvHeads;
    const torch::Tensor groupScores = scores.view({wide.numKvHeads, perGroup}).sum(1);
    torch::Tensor groups = std::get<1>(torch::topk(groupScores, m_config.numKvHeads));
    groups = std::get<0>(torch::sort(groups));
    const std::vector<std::int64_t> byScore(groups.data_ptr<std::int64_t>(),
                                            groups.data_ptr<std::int64_t>() + groups.numel());

    // One candidate: keep these KV groups, then these channels (empty: by ridge leverage), MLP compensated.
    auto build = [&](const std::vector<std::int64_t>& kvGroups, const torch::Tensor& channels, FlattenGroupReport& r) {
        r.keptKvGroups = kvGroups;
        BlockWeights pruned = keepKvGroups(wide, kvGroups);
        const double deviation = collapseQkNorm(pruned);
        if (deviation > 1e-6) {
            char line[200];
            std::snprintf(line, sizeof line,
                          "blocks %lld-%lld: kept heads have different q/k norm gains (up to %.3g relative); using "
                          "their mean",
                          static_cast<long long>(r.blocks.front()), static_cast<long long>(r.blocks.back()), deviation);
            r.warnings.emplace_back(line);
        }
        // Pass 2: C_psi of the wide MLP behind the pruned attention (f64).
        const std::int64_t width = wide.up.weight.size(0);
        torch::Tensor gram = torch::zeros({width, width}, torch::TensorOptions().dtype(torch::kFloat64));
        Probe mlpProbe;
        mlpProbe.points = static_cast<std::uint32_t>(ProbePoint::MlpIntermediate);
        mlpProbe.callback = [&](std::int64_t, ProbePoint, const torch::Tensor& psi) {
            const torch::Tensor p = psi.reshape({-1, width}).to(torch::kFloat64);
            gram.addmm_(p.t(), p);
        };
        {
            const TransformerImpl scratch = scratchModel(pruned);
            for (const torch::Tensor& x : inputs) {
                progress.step(done, total, "MLP statistics");
                scratch.block(0, x, context, &mlpProbe);
            }
        }
        ++done;
        return channels.defined() ? keepChannels(pruned, gram, channels, r) : pruneMlp(pruned, gram, r);
    };

    if (!checked)
        return build(byScore, {}, report);
    // Checked selection: the paper's candidate and one per member block, judged by the group's output error.
    auto outputError = [&](const BlockWeights& candidate) {
        const TransformerImpl scratch = scratchModel(candidate);
        double error = 0.0, scale = 0.0;
        for (std::size_t i = 0; i < inputs.size(); ++i) {
            progress.step(done, total, "checking candidates");
            const torch::Tensor out = f32(scratch.block(0, inputs[i], context));
            const torch::Tensor want = f32((*targets)[i]);
            error += (out - want).pow(2).sum().item<double>();
            scale += (want - f32(inputs[i])).pow(2).sum().item<double>();
        }
        ++done;
        return error / std::max(scale, 1e-30);
    };
    FlattenGroupReport best = report;
    BlockWeights bestBlock = build(byScore, {}, best);
    double bestError = outputError(bestBlock);
    best.selected = "flattengpt";
    std::vector<std::pair<std::string, double>> errors = {{"flattengpt", bestError}};
    for (std::int64_t m = 0; m < members; ++m) {
        std::vector<std::int64_t> own;
        for (std::int64_t g = 0; g < m_config.numKvHeads; ++g)
            own.push_back(m * m_config.numKvHeads + g);
        const torch::Tensor channels = torch::arange(m * m_config.intermediateSize, (m + 1) * m_config.intermediateSize,
                                                     torch::kInt64);
        const std::string name = "block " + std::to_string(report.blocks.at(static_cast<std::size_t>(m)));
        // Two candidates per member: its heads with its own channels, and its heads with the channels ridge
        // leverage picks from the whole wide MLP (channels mix more freely between blocks than heads do).
        for (const bool ownChannels : {true, false}) {
            FlattenGroupReport candidate = report;
            BlockWeights block = build(own, ownChannels ? channels : torch::Tensor(), candidate);
            const double error = outputError(block);
            const std::string label = ownChannels ? name : name + " heads, leverage channels";
            errors.emplace_back(label, error);
            if (error < bestError) {
                bestError = error;
                best = std::move(candidate);
                best.selected = label;
                bestBlock = std::move(block);
            }
        }
    }
    best.candidateErrors = errors;
    report = std::move(best);
    return bestBlock;
}

} // namespace flatslice::core
