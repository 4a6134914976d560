"""newsrag: answers about a news corpus, every sentence backed by a quoted, cited passage.

The public Python API::

    from rag import Pipeline, Settings
    pipeline = Pipeline(Settings(store="data/store"))
    pipeline.ingest(["corpus/"])
    answer = pipeline.ask("who backed Assad?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag.settings import Settings
from rag.types import Answer, Article, Citation, Filters, Hit

if TYPE_CHECKING:
    from rag.pipeline import Pipeline

__all__ = ["Answer", "Article", "Citation", "Filters", "Hit", "Pipeline", "Settings"]


def __getattr__(name: str) -> Any:
    # Pipeline pulls in torch and chromadb; load it only when asked for.
    if name == "Pipeline":
        from rag.pipeline import Pipeline

        return Pipeline
    raise AttributeError(name)
