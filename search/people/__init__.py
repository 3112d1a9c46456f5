"""People: who said what, and who knows about a topic.

- ``directory.directory_for``: identities merged across sources (``identities``, ``merging``,
  ``people_file`` for people.yaml); ``profile.profile``: one person's page.
- ``attribution``: which words in a passage are whose; ``topics``: a person's key phrases.
- ``experts.ExpertFinder``: people ranked for a topic, with evidence; ``evaluation``: P@1, MAP.
"""
