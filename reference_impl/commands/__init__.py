"""CLI command groups. Each module exposes ``register(subparsers)`` and sets ``func`` on its parsers.

Modules here stay thin: they parse arguments and call the library; all logic lives in the
library packages so notebooks and tests use exactly the same code.
"""
