"""Retrieval: ``retriever.Retriever`` fuses the keyword and dense legs and reranks;
``evaluation`` scores it on labelled queries (recall@5, MRR@10, nDCG@10)."""
