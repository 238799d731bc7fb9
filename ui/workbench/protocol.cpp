// SPDX-License-Identifier: GPL-3.0-or-later
#include "protocol.h"

namespace flatslice::ui {

AnalysisRequest analysisRequest(const Protocol& protocol, const std::string& modelPath)
{
    AnalysisRequest r;
    r.modelPath = modelPath;
    r.calibrationPath = protocol.calibrationPath;
    r.samples = protocol.samples;
    r.seqlen = protocol.seqlen;
    r.seed = protocol.seed;
    r.dtype = protocol.dtype;
    r.threads = protocol.threads;
    r.batch = protocol.batch;
    r.evaluationPath = protocol.evaluationPath;
    return r;
}

Protocol protocolOf(const AnalysisRequest& request)
{
    Protocol p;
    p.calibrationPath = request.calibrationPath;
    p.samples = request.samples;
    p.seqlen = request.seqlen;
    p.seed = request.seed;
    p.dtype = request.dtype;
    p.threads = request.threads;
    p.batch = request.batch;
    p.evaluationPath = request.evaluationPath;
    return p;
}

} // namespace flatslice::ui
