# Written by flatslice next to a SliceGPT-compressed checkpoint (see modeling_flatslice.py).
from transformers import PretrainedConfig


class FlatsliceSlicedConfig(PretrainedConfig):
    """A Llama-family config plus `flatslice_slicing`: every residual width of the sliced model."""

    model_type = "flatslice_sliced"

    def __init__(self, vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                 num_attention_heads=32, num_key_value_heads=None, head_dim=None, max_position_embeddings=2048,
                 rms_norm_eps=1e-5, flatslice_slicing=None, tie_word_embeddings=False, **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.num_key_value_heads = num_key_value_heads or num_attention_heads
        self.head_dim = head_dim or hidden_size // num_attention_heads
        self.max_position_embeddings = max_position_embeddings
        self.rms_norm_eps = rms_norm_eps
        self.flatslice_slicing = flatslice_slicing or {}
        super().__init__(tie_word_embeddings=tie_word_embeddings, **kwargs)
