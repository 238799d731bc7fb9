// SPDX-License-Identifier: GPL-3.0-or-later
// Private to core: turns checkpoint TensorViews into libtorch tensors without copying.
//
// The view's bytes become the tensor's storage through `torch::from_blob`, and the view's `owner` (the file
// mapping or the dequantized buffer) is captured by the deleter, so the tensor keeps the bytes alive. The
// result is read-only in spirit: a mapped file is PROT_READ, so clone() before any in-place op. Bytes that
// are not aligned for the element type are copied instead (from_blob requires alignment).
// Include only from .cpp files: public core headers expose no torch types.
#pragma once

#include <torch/types.h>

#include "format/tensorview.h"

namespace flatslice::core {

torch::Tensor toTorch(const TensorView& view);

// The libtorch dtype for a checkpoint dtype.
torch::Dtype torchDtype(DType type);

} // namespace flatslice::core
