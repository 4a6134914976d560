"""Grounding-evaluation harness (``rag eval``), its datasets, and benchmarks.

Data flows readers → runner (ask) → scoring (metrics, judges) → summary → report:
``readers`` (dataset formats), ``judges`` (heuristic / NLI / LLM support judges),
``metrics`` (pure metric functions), ``scoring`` (one question), ``summary`` (aggregates),
``runner`` (a whole run), ``report``/``svg`` (report.html), ``compare``, ``cli``
(``rag eval``), ``gate`` (CI floors, ``python -m evals.gate``) and ``multihop``
(``python -m evals.multihop``). ``rag`` never imports this package.
"""
