"""Decisions and action items found in what the organization wrote and said.

:mod:`~search.knowledge.sentences` splits chunks into sentences with their speaker and
section, :mod:`~search.knowledge.cues` finds the cue patterns, :mod:`~search.knowledge.classifier`
decides over sentence embeddings and cues, :mod:`~search.knowledge.extract` turns a catalog
into items (cached per change marker), :mod:`~search.knowledge.supersession` links a later
decision to the one it replaces, and :mod:`~search.knowledge.log` answers per asker.
"""
