"""The mention classifier: inference, training and evaluation.

Trained artifacts live in ``classifiers/artifacts/`` with a model card (``MODEL_CARD.md``).
"""

from classifiers.errors import ClassifierError, DataError

__all__ = ["ClassifierError", "DataError"]
