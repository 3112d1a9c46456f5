"""Answers: ``extractive.Answerer`` quotes and cites the best passages with no LLM;
``llm.Asker`` lets a configured LLM write the answer and checks its citations."""
