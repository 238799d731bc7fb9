// SPDX-License-Identifier: GPL-3.0-or-later
#include "uitestsupport.h"

#include <QFile>

namespace flatslice::uitest {

QString fixture(const char* relative)
{
    return QStringLiteral(FLATSLICE_TEST_DATA "/") + QString::fromLatin1(relative);
}

QString tinyModel()
{
    return fixture("tiny-llama/tiny-llama.gguf");
}

QString writeCalibrationText(const QTemporaryDir& dir)
{
    QString path = dir.filePath(QStringLiteral("calibration.txt"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    for (int i = 0; i < 60; ++i)
        file.write(QStringLiteral("The %1 cats sat on %2 mats near the river, and the old town watched them "
                                  "while the bells rang twice before noon.\n")
                       .arg(i)
                       .arg(i * 7 % 13)
                       .toUtf8());
    return path;
}

core::ModelConfig syntheticConfig(int layers)
{
    const std::string json = R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
        "intermediate_size": 128, "num_hidden_layers": )" +
                             std::to_string(layers) + R"(, "num_attention_heads": 4, "num_key_value_heads": 2,
        "vocab_size": 256, "max_position_embeddings": 256, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": false, "hidden_act": "silu"})";
    return core::parseHfConfig(json, "synthetic config.json");
}

} // namespace flatslice::uitest
