"""Understanding messages inside Rasa: the spaCy pipeline and the project's NLU components.

``language`` builds the spaCy pipeline from the phrase files in data/ (through
``phrases``); the rest are Rasa graph components named in config.yml, plus the
features and classifier files they share.
"""
