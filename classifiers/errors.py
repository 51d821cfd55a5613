"""Errors raised by the classifier package, under the project's root ``MentionbotError``."""

from models.errors import MentionbotError


class ClassifierError(MentionbotError):
    """Base class for every classifier failure (bad artifact, bad input, missing encoder)."""


class DataError(ClassifierError):
    """A labelled-data file is malformed; the message names the file and line."""


class ArtifactError(ClassifierError):
    """A saved model cannot be loaded (missing file, wrong format, unknown encoder)."""


class EncoderNotFound(ArtifactError):
    """The base encoder's weights are not installed."""
