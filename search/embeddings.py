"""Sentence embeddings from a local model folder, through llama-index's HuggingFace wrapper."""

from __future__ import annotations

import json
from functools import cached_property, lru_cache
from pathlib import Path

from tokenizers import Tokenizer


class Embedder:
    """Embeds texts with a local sentence-transformers model; never contacts a hub.

    The tokenizer loads at once (cheap, used to size chunks); the model on first use.
    """

    def __init__(self, model_path: Path, batch_size: int = 32) -> None:
        if not (model_path / "config.json").is_file():
            raise FileNotFoundError(
                f"WATERCOOLER_EMBEDDING_MODEL: {model_path} is not a sentence-transformers "
                "model folder (no config.json)"
            )
        self.model_path = model_path
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    @cached_property
    def max_tokens(self) -> int:
        """How many word pieces the model reads; text past that is ignored by the embedding."""
        config = self.model_path / "sentence_bert_config.json"
        if config.is_file():
            return int(json.loads(config.read_text()).get("max_seq_length", 256))
        return 256

    @cached_property
    def _model(self):
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        return HuggingFaceEmbedding(
            model_name=str(self.model_path),
            device="cpu",
            embed_batch_size=self.batch_size,
            normalize=True,
            local_files_only=True,
        )

    @property
    def dimensions(self) -> int:
        return int(self._model._model.get_sentence_embedding_dimension())

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text``, not counting the special tokens the model adds."""
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embed passages in batches."""
        if not texts:
            return []
        return self._model.get_text_embedding_batch(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed one search query."""
        return self._model.get_query_embedding(text)


@lru_cache(maxsize=4)
def load_embedder(model_path: Path) -> Embedder:
    """One embedder per model folder per process."""
    return Embedder(model_path)
