"""The words the danger safety net reads a message's grammar by.

Small closed sets of English (negations, clause breaks, words of the past,
of now, of fear), each with the examples that made it necessary. The phrases
and cues themselves are data, in ``data/danger_phrases.yml`` and
``data/danger_cues.yml``; these are the grammar around them.
"""

# "he's not got a knife", "he hasn't got a knife": a negation within four
# words before the phrase, in the same clause, cancels it. Another clause's
# negation does not ("I don't know what to do, he's got a knife"). "Without"
# too: "drove off without leaving a note".
NEGATIONS = frozenset(
    {
        "not",
        "n't",
        "n\u2019t",
        "no",
        "never",
        "nt",
        "nobody",
        "noone",
        "nothing",
        "nothings",
        "without",
    }
)
NEGATION_WINDOW = 4
# "He used to threaten her with a hammer": "used to" this many words before
# a danger phrase or harm tells it as past.
USED_TO_WINDOW = 6
# Words that end one clause and start another: each is judged on its own, so
# "he hit her last week but he's hitting her again now" is danger.
CLAUSE_BREAKS = frozenset({".", "!", "?", ";", ",", "\n", "but", "though", "tho", "although"})
# "and", "then" or "so" start a new clause when a new subject or time follows:
# "he's been watching her for weeks and he has just grabbed her".
JOINS = frozenset({"and", "then", "so", "n", "&"})
NEW_CLAUSE_STARTS = frozenset(
    {
        "he",
        "she",
        "they",
        "i",
        "we",
        "someone",
        "somebody",
        "someones",
        "somebodys",
        "there",
        "theres",
        "hes",
        "shes",
        "now",
        "just",
        "tonight",
        "today",
        # "we're playing a game online and my mate says ...": a new person.
        "my",
        "his",
        "our",
        "their",
        "your",
    }
)
# Before an "-ing" form of harm, these make it past or habitual rather than
# happening now: "was hitting", "been hitting", "keeps hitting", "about hitting".
NOT_NOW_BEFORE_ING = frozenset(
    {
        "was",
        "were",
        "been",
        "keep",
        "keeps",
        "kept",
        "stop",
        "stopped",
        "about",
        "for",
        "of",
        "from",
        "without",
        "after",
        "before",
        "like",
        "used",
        "start",
        "started",
        "by",
    }
)
# Before a past participle of harm, these make it happening now or just now:
# "being hit", "getting battered", "been stabbed", "just hit".
NOW_BEFORE_PARTICIPLE = frozenset({"being", "getting", "gettin", "get", "been", "just", "still"})
# Before any form of harm, these make it now: "he's just hit her", "still kicking".
NOW_ADVERBS = frozenset({"just", "still", "jus"})
# After one of these an -ing word is a noun, an event named, not one happening:
# "how police investigate a stabbing", "the shooting on the news".
DETERMINERS = frozenset({"a", "an", "the", "this", "that", "another", "any"})
LOOK_BACK = 3
PAST_AUXILIARIES = frozenset({"was", "were", "had", "got"})
# Before "been": "she'd been hit", typed as "shed been hit" on a phone.
PAST_PERFECT = frozenset({"had", "'d", "\u2019d", "shed", "hed", "theyd"})
CONDITIONALS = frozenset({"would", "'d", "\u2019d", "d", "wud", "wd", "might", "could"})
# "Got" is past ("the shed got broken into") unless these come just before it:
# "he's got a knife", "they've got her in the car".
PRESENT_BEFORE_GOT = frozenset({"'s", "\u2019s", "s", "has", "have", "'ve", "\u2019ve", "ve"})
# "now" also ends "for a week now" and starts "now she never goes out": after
# a length of time, or as the first word of a clause, it does not say "now".
DURATIONS = frozenset(
    {
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "while",
        "ages",
        "fortnight",
        "time",
        "times",
        "then",
        "by",
        "until",
        "till",
        "til",
    }
)
# Words of now that only make a menace told as "-ing" now ("she's still
# screaming"), never a whole clause: "I still think about it", "he still has a key".
WEAK_NOW = frozenset({"can hear", "i can hear", "still"})
# Just before a menace's -ing form, these say it is going on as the person
# writes: "he's smashing the door in", "there's banging", "they're fighting".
PRESENT_PROGRESSIVE = frozenset(
    {"'s", "\u2019s", "is", "are", "'re", "\u2019re", "am", "'m", "\u2019m", "s", "re"}
)
# Menaces that, even as "-ing", are more often told as what someone keeps
# doing ("he's following her", "he's threatening her"): the sign, unless a
# word says now.
ONGOING_MENACES = ("follow", "threat")
# "A fight going on", "screaming going on": said of the harm or menace just
# before it, in a clause with no word of the past or of habit. Elsewhere it
# is "what's going on with her", or "it's been going on for months".
GOING_ON = "going on"
# What someone fears may happen is a warning sign, not danger now: "she's
# scared he's going to hurt her".
FEARS = frozenset(
    {
        "worried",
        "worry",
        "worries",
        "scared",
        "afraid",
        "frightened",
        "fear",
        "fears",
        "terrified",
        "petrified",
        "frit",
        "nervous",
        "anxious",
        "think",
        "thinks",
        "might",
    }
)
FUTURE_CUES = frozenset({"going to", "gonna", "gunna", "gona", "about to"})
# A message of nothing but a cry for help ("HELP", "help me please!!").
CRY_WORDS = frozenset(
    {
        "help",
        "hlp",
        "halp",
        "sos",
        "emergency",
        "urgent",
        "quick",
        "hurry",
        "come",
        "cum",
        "send",
        "fire",
        "ambulance",
    }
)
CRY_COMPANIONS = frozenset(
    {
        "me",
        "us",
        "please",
        "pls",
        "plz",
        "someone",
        "somebody",
        "now",
        "quick",
        "urgent",
        "her",
        "him",
        "need",
        "i",
        "hurry",
        "it",
        "s",
        "is",
        "an",
        "this",
        "its",
        "very",
        "fast",
        "police",
        "sum1",
        "some1",
        "round",
        "here",
    }
)
# A child with nobody looking after them: "on his own", "no adult about".
UNWATCHED = frozenset({"alone", "unattended", "unsupervised"})
UNWATCHED_PAIRS = frozenset(
    {
        ("his", "own"),
        ("her", "own"),
        ("their", "own"),
        ("its", "own"),
        ("no", "adult"),
        ("no", "adults"),
        ("no", "parent"),
        ("no", "parents"),
        ("nobody", "with"),
        ("no", "one"),
    }
)
# Pairs of cue kinds (data/danger_cues.yml) that mean danger together, in a
# clause told as now, with the reason each gives.
PAIRS = (
    ("child", "perilous_place", "child at risk now"),
    ("farewell", "high_place", "a farewell from a height"),
    ("down", "no_response", "someone down and not responding"),
)
# Pairs whose second part may come in the next clause: "I can see her on the
# floor, she's not answering me".
PAIRS_ACROSS_A_BREAK = frozenset({"down"})
# "Not answering her phone", "not responding to messages": the warning sign
# phone_off, not someone who cannot respond. Looked for in the three words after.
UNANSWERED_THINGS = frozenset(
    {"door", "phone", "mobile", "call", "calls", "text", "texts", "message", "messages", "emails"}
)
# "A 4 year old", "a two year old": a child cue starting with one of these
# counts only after an age up to this.
AGE_WORDS = frozenset({"year", "years", "yr"})
YOUNG_CHILD_AGE = 12
YOUNG_AGES = frozenset("one two three four five six seven eight nine ten eleven twelve".split())
# Just before a weapon, these say it is in someone's hand: "with a cleaver",
# "waving a bat about", "he's got a poker".
HOLDING = frozenset(
    {
        "with",
        "wi",
        "holding",
        "waving",
        "swinging",
        "wielding",
        "brandishing",
        "pointing",
        "got",
        "carrying",
    }
)
# "There's a bairn on the windowsill": how things are now.
THERE_IS = frozenset({"there's", "there\u2019s", "theres", "ther's", "thers"})
# A clause that asks ("is it safe to leave a baby ...?") tells nothing of now.
QUESTION_STARTS = frozenset(
    {"is", "are", "can", "could", "should", "would", "do", "does", "what", "how", "when", "if"}
)
# Before a word of the past, these make it run up to now: "since this morning".
SINCE = frozenset({"since", "from"})
# "My sister is in danger", "her life is at risk": a person said to be in
# danger. The words between a present "is" and the state ("is really in
# danger") may only be these or end in -ly. A person must come before "is":
# one of these just before it, or a "person" cue or a relationship within
# three words ("the lady across the landing is ...").
STATE_ADVERBS = frozenset({"so", "very", "still", "now", "proper", "all", "deffo", "def"})
PEOPLE = frozenset({"she", "he", "they", "i", "we", "you", "someone", "somebody", "everyone"})
# "In danger of losing her flat", "not safe to walk there": a risk to
# something else, or a general warning.
NOT_A_PERSON_AT_RISK = frozenset({"of", "to"})
