"""py3langid's language identifier, among a few languages, loaded on first use.

Shared by the English assistant's other-language check
(``language_detection.py``) and the web service's choice of assistant
(``bot/web/languages.py``). Its model ships inside the package, so nothing is
downloaded; it is loaded only when a message first needs it, as a service
that never asks pays nothing.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple


class Identifier:
    """Says which of ``languages`` a text is most likely written in, and how likely."""

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = tuple(languages)
        self._model: Optional[Any] = None

    def classify(self, text: str) -> Tuple[str, float]:
        """Returns the most likely language and its probability."""
        if self._model is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            model = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
            model.set_languages(list(self.languages))
            self._model = model
        language, probability = self._model.classify(text)
        return language, float(probability)
