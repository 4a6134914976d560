"""LangChain adapters: the retriever as a ``BaseRetriever``, ``ask`` as a ``Runnable``.

A LangChain application can drop newsrag's hybrid, filtered retrieval into its own
chains, or call the whole grounded pipeline and get the ``rag ask --json`` contract
(citations included) back.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict

from rag.pipeline import Pipeline
from rag.types import Filters, Turn


class NewsragRetriever(BaseRetriever):
    """Hybrid retrieval with reranking, as LangChain Documents (metadata carries offsets)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    pipeline: Pipeline
    filters: Filters = Filters()

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.pipeline.retrieve(query, filters=self.filters)
        return [
            Document(
                page_content=h.text,
                id=h.chunk_id,
                metadata=h.summary(),
            )
            for h in hits
        ]


def ask_runnable(pipeline: Pipeline) -> Runnable[Any, dict[str, Any]]:
    """``ask`` as a Runnable: input a question, or ``{"question", "history"?, "filters"?}``.

    The output is the ``rag ask --json`` object. ``history`` is a list of earlier
    outputs of this runnable (or Turn dicts); ``filters`` a dict of Filters fields.
    """

    def run(value: Any) -> dict[str, Any]:
        if isinstance(value, str):
            return pipeline.ask(value).to_json()
        history = [_turn(t) for t in value.get("history", [])]
        filters = Filters.model_validate(value.get("filters") or {})
        return pipeline.ask(value["question"], filters=filters, history=history).to_json()

    return RunnableLambda(run, name="newsrag_ask")


def _turn(item: dict[str, Any] | Turn) -> Turn:
    if isinstance(item, Turn):
        return item
    # An earlier output of ask_runnable: the question plus what retrieval understood.
    return Turn(question=item.get("standalone_question") or item["question"])
