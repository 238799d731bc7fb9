// SPDX-License-Identifier: GPL-3.0-or-later
#include "plandocument.h"

#include <QUndoStack>

#include <algorithm>

#include "planeditcommand.h"
#include "util/error.h"

namespace flatslice::ui {

namespace {

enum MergeId { kMergeSliceRatio = 1 };

using Group = std::vector<std::int64_t>;

// Index of the flatten group holding `block`, or -1.
int groupOf(const core::Plan& plan, std::int64_t block)
{
    for (std::size_t g = 0; g < plan.flatten.size(); ++g) {
        const Group& group = plan.flatten[g];
        if (std::find(group.begin(), group.end(), block) != group.end())
            return static_cast<int>(g);
    }
    return -1;
}

Group range(std::int64_t first, std::int64_t last)
{
    Group g;
    for (std::int64_t b = first; b <= last; ++b)
        g.push_back(b);
    return g;
}

// Removes `block` from its group, keeping the parts on either side that still have two blocks or more.
void removeFromGroups(core::Plan& plan, std::int64_t block)
{
    const int g = groupOf(plan, block);
    if (g < 0)
        return;
    const Group group = plan.flatten[static_cast<std::size_t>(g)];
    plan.flatten.erase(plan.flatten.begin() + g);
    if (block - group.front() >= 2)
        plan.flatten.push_back(range(group.front(), block - 1));
    if (group.back() - block >= 2)
        plan.flatten.push_back(range(block + 1, group.back()));
}

std::int64_t roundDown(std::int64_t width, std::int64_t rounding)
{
    return std::max(rounding, width / rounding * rounding);
}

} // namespace

PlanDocument::PlanDocument(QObject* parent) : QObject(parent), m_undo(new QUndoStack(this)) {}

PlanDocument::~PlanDocument() = default;

void PlanDocument::setModel(const core::ModelConfig& config, const core::ModelFingerprint& fingerprint)
{
    m_hasModel = true;
    m_config = config;
    m_fingerprint = fingerprint;
    m_undo->clear();
    assign(core::Plan{});
}

void PlanDocument::setProtocol(const core::CalibrationProtocol& protocol)
{
    m_protocol = protocol;
}

double PlanDocument::sliceRatio() const
{
    return m_plan.slice && m_plan.slice->ratio ? *m_plan.slice->ratio : 0.0;
}

qint64 PlanDocument::sliceRounding() const
{
    return m_plan.slice ? m_plan.slice->rounding : m_rounding;
}

void PlanDocument::toggleFlattenPair(qint64 first)
{
    if (!m_hasModel || first < 0 || first + 1 >= m_config.numLayers) {
        Q_EMIT editRejected(tr("No pair of blocks %1 and %2 in this model").arg(first).arg(first + 1));
        return;
    }
    core::Plan next = m_plan;
    const int a = groupOf(next, first);
    const int b = groupOf(next, first + 1);
    QString text;
    if (a >= 0 && a == b) {
        // Split the group at this link.
        const Group group = next.flatten[static_cast<std::size_t>(a)];
        next.flatten.erase(next.flatten.begin() + a);
        if (first - group.front() >= 1)
            next.flatten.push_back(range(group.front(), first));
        if (group.back() - (first + 1) >= 1)
            next.flatten.push_back(range(first + 1, group.back()));
        text = tr("Unflatten blocks %1+%2").arg(first).arg(first + 1);
    } else {
        const std::int64_t lo = a >= 0 ? next.flatten[static_cast<std::size_t>(a)].front() : first;
        const std::int64_t hi = b >= 0 ? next.flatten[static_cast<std::size_t>(b)].back() : first + 1;
        std::erase_if(next.flatten, [&](const Group& g) { return g.front() >= lo && g.back() <= hi; });
        std::erase_if(next.drop, [&](std::int64_t d) { return d >= lo && d <= hi; });
        next.flatten.push_back(range(lo, hi));
        text = tr("Flatten blocks %1+%2").arg(first).arg(first + 1);
    }
    next.normalize();
    apply(std::move(next), text);
}

void PlanDocument::toggleDrop(qint64 block)
{
    if (!m_hasModel || block < 0 || block >= m_config.numLayers) {
        Q_EMIT editRejected(tr("No block %1 in this model").arg(block));
        return;
    }
    core::Plan next = m_plan;
    QString text;
    if (std::find(next.drop.begin(), next.drop.end(), block) != next.drop.end()) {
        std::erase(next.drop, block);
        text = tr("Keep block %1").arg(block);
    } else {
        removeFromGroups(next, block);
        next.drop.push_back(block);
        text = tr("Drop block %1").arg(block);
    }
    next.normalize();
    apply(std::move(next), text);
}

void PlanDocument::setSliceRatio(double ratio)
{
    if (!m_hasModel)
        return;
    core::Plan next = m_plan;
    if (ratio <= 0.0) {
        if (!next.slice)
            return;
        next.slice.reset();
    } else {
        core::SlicePlan slice;
        if (next.slice) {
            slice.sliceHead = next.slice->sliceHead;
            slice.shortcuts = next.slice->shortcuts;
        }
        slice.ratio = ratio;
        slice.rounding = m_rounding;
        if (next.slice && next.slice->ratio && *next.slice->ratio == ratio && next.slice->dims.empty())
            return;
        next.slice = slice;
    }
    apply(std::move(next), tr("Slice %1%").arg(ratio * 100.0, 0, 'f', 0), kMergeSliceRatio);
}

void PlanDocument::setSliceRounding(qint64 rounding)
{
    if (rounding < 1)
        return;
    m_rounding = rounding;
    if (!m_plan.slice) {
        return;
    }
    core::Plan next = m_plan;
    next.slice->rounding = rounding;
    for (core::SliceDims& d : next.slice->dims) {
        d.attn = roundDown(d.attn, rounding);
        d.mlp = roundDown(d.mlp, rounding);
    }
    if (next.slice->headWidth > 0)
        next.slice->headWidth = roundDown(next.slice->headWidth, rounding);
    apply(std::move(next), tr("Round widths to %1").arg(rounding));
}

void PlanDocument::setLayerDims(qint64 layer, core::SliceDims dims)
{
    if (!m_hasModel || !m_estimate)
        return;
    const auto& layers = m_estimate->widths.layers;
    if (layer < 0 || layer >= static_cast<qint64>(layers.size())) {
        Q_EMIT editRejected(tr("No layer %1 in the compressed model").arg(layer));
        return;
    }
    core::Plan next = m_plan;
    core::SlicePlan slice;
    if (next.slice) {
        slice.shortcuts = next.slice->shortcuts;
        slice.sliceHead = next.slice->sliceHead;
        slice.headWidth = next.slice->sliceHead ? m_estimate->widths.head : 0;
    }
    slice.rounding = m_rounding;
    for (const core::LayerWidths& w : layers)
        slice.dims.push_back({roundDown(w.in, m_rounding), roundDown(w.mid, m_rounding)});
    dims.attn = std::min<std::int64_t>(roundDown(dims.attn, m_rounding), m_config.hiddenSize);
    dims.mlp = std::min<std::int64_t>(roundDown(dims.mlp, m_rounding), m_config.hiddenSize);
    if (m_config.parallelBlock)
        dims.mlp = dims.attn;
    slice.dims[static_cast<std::size_t>(layer)] = dims;
    next.slice = slice;
    apply(std::move(next), tr("Layer %1 width %2/%3").arg(layer).arg(dims.attn).arg(dims.mlp));
}

void PlanDocument::setSliceWidth(qint64 block, qint64 width)
{
    if (!m_hasModel)
        return;
    if (block >= 0) {
        const auto layers = m_plan.resultLayers(m_config.numLayers);
        for (std::size_t l = 0; l < layers.size(); ++l)
            if (std::find(layers[l].begin(), layers[l].end(), block) != layers[l].end()) {
                setLayerDims(static_cast<qint64>(l), {width, width});
                return;
            }
        Q_EMIT editRejected(tr("Block %1 is dropped: it has no width to slice").arg(block));
        return;
    }
    const std::int64_t d = m_config.hiddenSize;
    const std::int64_t target = std::min<std::int64_t>(roundDown(width, m_rounding), d);
    // The ratio whose slicedWidth() is exactly `target`: (1 - s) * D = target + 0.5 truncates to target.
    const double ratio = static_cast<double>(d - target) - 0.5;
    setSliceRatio(target >= d ? 0.0 : std::max(0.0, ratio / static_cast<double>(d)));
}

bool PlanDocument::replacePlan(const core::Plan& plan, const QString& what)
{
    core::Plan next = plan;
    next.normalize();
    if (next.slice)
        m_rounding = next.slice->rounding;
    return apply(std::move(next), what);
}

void PlanDocument::loadJson(const std::string& text, const std::string& source)
{
    core::Plan plan = core::Plan::fromJson(text, source);
    if (!m_hasModel)
        throw core::Error(source + ": open the model the plan is for first");
    plan.validateAgainst(m_config, source);
    replacePlan(plan, tr("Load plan"));
}

std::string PlanDocument::toJson() const
{
    core::Plan out = m_plan;
    out.model = m_fingerprint;
    out.protocol = m_protocol;
    return out.toJson();
}

bool PlanDocument::apply(core::Plan next, const QString& text, int mergeId)
{
    if (!m_hasModel)
        return false;
    // A per-layer slice has one entry per result layer: keep it in step with flatten/drop edits.
    if (next.slice && !next.slice->dims.empty() && m_estimate) {
        const auto before = m_plan.resultLayers(m_config.numLayers);
        const auto after = next.resultLayers(m_config.numLayers);
        const auto& oldDims = next.slice->dims;
        if (oldDims.size() == before.size() && before.size() != after.size()) {
            std::vector<core::SliceDims> dims;
            for (const auto& layer : after) {
                core::SliceDims d{roundDown(m_config.hiddenSize, next.slice->rounding),
                                  roundDown(m_config.hiddenSize, next.slice->rounding)};
                for (std::size_t i = 0; i < before.size(); ++i)
                    if (std::find(before[i].begin(), before[i].end(), layer.front()) != before[i].end())
                        d = oldDims[i];
                dims.push_back(d);
            }
            next.slice->dims = dims;
        }
    }
    try {
        next.validateAgainst(m_config, "plan");
    } catch (const core::Error& e) {
        Q_EMIT editRejected(QString::fromStdString(e.what()));
        return false;
    }
    m_undo->push(new PlanEditCommand(this, m_plan, std::move(next), text, mergeId));
    return true;
}

void PlanDocument::assign(const core::Plan& plan)
{
    m_plan = plan;
    m_estimate.reset();
    if (m_hasModel) {
        try {
            m_estimate = core::estimate(m_config, m_plan);
        } catch (const core::Error&) {
            // apply() validated the plan; an estimate failure leaves the panel without figures.
        }
    }
    Q_EMIT planChanged();
}

} // namespace flatslice::ui
