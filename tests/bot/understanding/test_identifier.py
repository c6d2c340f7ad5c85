"""py3langid among a few languages, loaded only when first asked."""

from bot.understanding.identifier import Identifier


def test_only_the_languages_given_are_answered_and_the_model_loads_on_first_use():
    identifier = Identifier(["en", "pl"])
    assert identifier._model is None
    language, probability = identifier.classify("Moja siostra nie odbiera telefonu od tygodnia")
    assert language == "pl" and 0.5 < probability <= 1.0
    # Romanian is not among them: the nearer of the two is said instead.
    assert identifier.classify("Cum pot face o sesizare?")[0] in ("en", "pl")
    assert identifier._model is not None
