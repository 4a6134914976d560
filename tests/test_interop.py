"""LangChain applications can reuse newsrag's retriever and grounded ask."""

from __future__ import annotations

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from rag.interop import NewsragRetriever, ask_runnable
from rag.pipeline import Pipeline
from rag.types import Filters


def test_retriever_returns_documents_with_offsets(seed_pipeline: Pipeline) -> None:
    retriever = NewsragRetriever(pipeline=seed_pipeline)
    docs = retriever.invoke("who backed Assad?")
    assert docs and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    article = seed_pipeline.store.get_article(top.metadata["article_id"])
    assert article is not None
    assert article.text[top.metadata["start"] : top.metadata["end"]] == top.page_content
    assert "Russia, Iran, and Iranian-backed militias" in top.page_content


def test_retriever_in_an_lcel_chain_respects_filters(seed_pipeline: Pipeline) -> None:
    chain = NewsragRetriever(pipeline=seed_pipeline) | RunnableLambda(
        lambda docs: [d.metadata["title"] for d in docs]
    )
    assert chain.invoke("who backed Assad?")
    filtered = NewsragRetriever(pipeline=seed_pipeline, filters=Filters(sources=["nobody"]))
    assert filtered.invoke("who backed Assad?") == []


def test_ask_runnable_returns_the_json_contract_with_citations(seed_pipeline: Pipeline) -> None:
    ask = ask_runnable(seed_pipeline)
    first = ask.invoke("How many people died in the violence on Syria's coast?")
    assert first["citations"] and first["citations"][0]["quote"]
    follow = ask.invoke({"question": "how many of them were civilians?", "history": [first]})
    assert "745 civilians" in follow["answer"]
    assert "Syria" in follow["standalone_question"]
    batch = ask.batch(
        ["who backed Assad?", {"question": "who backed Assad?", "filters": {"until": "2020-01-01"}}]
    )
    assert [b["abstained"] for b in batch] == [False, True]
