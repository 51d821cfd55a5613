"""The reference baseline: TF-IDF (word 1-2 grams + char 2-5 grams) + logistic regression.

Trained on the same train file in the same run as every evaluation, so the transformer is always
compared against a strong classical model rather than a remembered number.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.data import Example


class TfidfBaseline:
    def __init__(self, labels: Sequence[str], seed: int = 13) -> None:
        self.labels = list(labels)
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
        )
        self.clf = LogisticRegression(
            max_iter=2000, C=4.0, class_weight="balanced", random_state=seed
        )

    def _features(self, texts: Sequence[str], fit: bool = False) -> object:
        if fit:
            return hstack(
                [self.words.fit_transform(texts), self.chars.fit_transform(texts)]
            ).tocsr()
        return hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()

    def fit(self, examples: Sequence[Example]) -> TfidfBaseline:
        y = [self.labels.index(ex.label.value) for ex in examples]
        self.clf.fit(self._features([ex.text for ex in examples], fit=True), y)
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        result: np.ndarray = self.clf.predict(self._features(texts))
        return result
