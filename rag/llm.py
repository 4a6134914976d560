"""Chat-model backends behind one small protocol; the only module that talks to an LLM.

A backend is chosen by a spec string (setting ``answer.backend``):

- ``openai:<base_url>#<model>``: any OpenAI-compatible endpoint (llama.cpp server,
  Ollama, vLLM, OpenAI) through LangChain's ``ChatOpenAI``; the key is ``llm.api_key``.
- ``llama-cpp:<path/to/model.gguf>``: a local GGUF file run in-process by
  llama-cpp-python (the optional ``llama`` extra).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from rag.errors import ConfigError
from rag.settings import LLMSettings

ChatMessage = tuple[str, str]
"""(role, content) with role "system", "user" or "assistant"."""


class ChatModel(Protocol):
    """A chat model that streams its reply."""

    name: str

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """Yield the reply in pieces as it is generated."""
        ...

    def complete(self, messages: list[ChatMessage]) -> str:
        """The whole reply."""
        ...


class OpenAICompatibleChat:
    """An OpenAI-compatible HTTP endpoint, through LangChain's ``ChatOpenAI``."""

    def __init__(self, base_url: str, model: str, settings: LLMSettings) -> None:
        from langchain_openai import ChatOpenAI  # imported on use: most runs need no LLM

        self.name = f"openai:{base_url}#{model}"
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self._llm = ChatOpenAI(
            base_url=base_url,
            model=model,
            api_key=key,  # type: ignore[arg-type]  # str is accepted at run time
            temperature=settings.temperature,
            max_completion_tokens=settings.max_tokens,
            timeout=settings.timeout,
            max_retries=1,
        )

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """Yield content deltas."""
        for chunk in self._llm.stream([{"role": r, "content": c} for r, c in messages]):
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content

    def complete(self, messages: list[ChatMessage]) -> str:
        """The whole reply."""
        return "".join(self.stream(messages))


class LlamaCppChat:
    """A local GGUF model run in-process by llama-cpp-python."""

    def __init__(self, path: Path, settings: LLMSettings) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ConfigError(
                "the llama-cpp backend needs llama-cpp-python: pip install 'newsrag[llama]'"
            ) from exc
        if not path.is_file():
            raise ConfigError(f"no GGUF model file at {path}")
        self.name = f"llama-cpp:{path}"
        self._settings = settings
        self._llm: Any = Llama(
            model_path=str(path),
            n_ctx=settings.context_tokens,
            n_threads=settings.threads,
            verbose=False,
        )

    def stream(self, messages: list[ChatMessage]) -> Iterator[str]:
        """Yield content deltas."""
        chunks = self._llm.create_chat_completion(
            messages=[{"role": r, "content": c} for r, c in messages],
            temperature=self._settings.temperature,
            max_tokens=self._settings.max_tokens,
            stream=True,
        )
        for chunk in chunks:
            delta = chunk["choices"][0].get("delta", {}).get("content")
            if delta:
                yield str(delta)

    def complete(self, messages: list[ChatMessage]) -> str:
        """The whole reply."""
        return "".join(self.stream(messages))


def make_chat_model(spec: str, settings: LLMSettings | None = None) -> ChatModel:
    """Build the backend a spec names: ``rag.backends.make_chat_model`` (the one registry)."""
    from rag.backends import make_chat_model as build

    return build(spec, settings)
