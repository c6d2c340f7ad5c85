"""The safety net sets immediate_danger whenever a clear danger phrase is present."""

import pytest
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.language import build_other_language
from bot.understanding.safety_net import DangerSafetyNet


def classified(nlp, text, intent="describe_warning_sign", confidence=0.9):
    """Returns a message as it leaves the classifier, before the safety net."""
    message = Message(data={TEXT: text})
    message.set(SPACY_DOCS[TEXT], nlp(text))
    message.set(INTENT, {"name": intent, "confidence": confidence})
    return ranked(message, (intent, confidence), ("immediate_danger", 1 - confidence))


def ranked(message, *ranking):
    """Returns the message with the classifier's ranking set to (intent, confidence) pairs."""
    message.set(
        INTENT_RANKING_KEY,
        [{"name": name, "confidence": confidence} for name, confidence in ranking],
    )
    return message


@pytest.fixture
def safety_net():
    return DangerSafetyNet()


@pytest.mark.parametrize(
    "text",
    [
        "he's outside with a knife",
        "She says she is going to kill herself",
        "someone is breaking in right now",
        "he threatened to kill her tonight",
        "please help he is hitting her right now",
    ],
)
def test_danger_overrides_a_confident_other_intent(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text)])
    assert message.get(INTENT) == {"name": "immediate_danger", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0]["name"] == "immediate_danger"
    assert [r["name"] for r in ranking].count("immediate_danger") == 1


def test_danger_overrides_the_fallback(nlp, safety_net):
    message = classified(nlp, "he has got a knife", intent="nlu_fallback", confidence=0.3)
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "immediate_danger"


@pytest.mark.parametrize(
    "text",
    [
        "she is not in danger right now, I just worry",
        "he hasn't got a knife or anything",
        "her curtains are always closed",
    ],
)
def test_no_danger_phrase_leaves_the_intent_alone(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text)])
    assert message.get(INTENT)["name"] == "describe_warning_sign"


def test_a_message_without_a_spacy_doc_is_left_alone(safety_net):
    message = Message(data={TEXT: "he has a knife"})
    message.set(INTENT, {"name": "greet", "confidence": 0.9})
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "greet"


def test_screaming_now_is_danger_not_the_past_shouting_sign(nlp, safety_net):
    message = classified(nlp, "she's screaming for help right now")
    message.set(
        ENTITIES,
        [
            {"entity": "warning_sign", "value": "shouting"},
            {"entity": "relationship", "value": "neighbour"},
        ],
    )
    [message] = safety_net.process([message])
    assert message.get(ENTITIES) == [{"entity": "relationship", "value": "neighbour"}]


def test_shouting_heard_before_is_kept_when_there_is_no_danger(nlp, safety_net):
    message = classified(nlp, "I heard shouting last week")
    message.set(ENTITIES, [{"entity": "warning_sign", "value": "shouting"}])
    [message] = safety_net.process([message])
    assert message.get(ENTITIES) == [{"entity": "warning_sign", "value": "shouting"}]


# Danger built from parts (data/danger_cues.yml): no sentence listed anywhere.


@pytest.mark.parametrize(
    "text",
    [
        "he is punching her",
        "she's being battered by her husband",
        "my sister is getting beaten up outside the shop",
        "he's just stabbed her boyfriend",
        "he's still kicking the door",
        "he throttled her a minute ago and is doing it right now",
        "someone is strangling him as i type",
        "I can hear her screaming next door",
        "they are fighting in the street at the moment",
        "a man is following me right now",
        "HELP",
        "help me please",
        "he's going to kill her",
        "he says he will kill the kids",
        "she has taken a load of tablets",
        "my brother is on the bridge and says he wants to die",
        "he's got a machete",
        "she is not breathing",
        "somebody has poured petrol through her letterbox",
        "she's being dragged into a van",
        "he's got her pinned against the fridge",
        "oh god he's just put the back door in",
        "her fella is booting her round the kitchen",
        "she rang me just now and all I could hear was her screaming",
        "a van has followed me out of the car park and it's still right behind me",
        "two lads are forcing him into the back of a car",
        "my mate is convulsing on the bathroom floor",
        # Someone has just been in touch to say what is happening to them.
        "my niece just texted from a lad's flat saying he won't let her leave",
        "he ran off with the baby ten minutes ago",
        "my uncle has walked into the river and won't answer me",
        # A danger phrase where it is noisy is danger all the same.
        "a lad at the house party has collapsed and he's not breathing",
        "somebody has pushed a lit firework through her door and the hall is on fire",
        "she phoned from a party, two men have shut her in a bedroom",
    ],
)
def test_danger_from_parts_is_danger(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text, confidence=0.95)])
    assert message.get(INTENT)["name"] == "immediate_danger"


@pytest.mark.parametrize(
    "text",
    [
        "there was loads of shouting last night but it is quiet now",
        "he hit her last year",
        "he's never hit her but she is scared of him",
        "a man watches her house every night",
        "he keeps hitting her when he's drunk",
        "what should I do if he hits her again",
        "she had a panic attack at work",
        "how do I renew my shotgun licence",
        "my back is killing me",
        "her curtains have been shut for a week now",
        "someone was following her home from work last month",
        "I want to follow up my report",
        "he's been hitting her for years",
        "I'm scared he's going to hurt her one day",
        "my shed was broken into while I was away",
        # Words of time keep their tense: "went on" is not "going on".
        "the arguing went on for hours last weekend",
        "a fortnight ago she was yelling that he was going to kill her",
        "nothing is happening right now but he texts her all night",
        # Everyday words that name what the harm word is.
        "my lad plays shooting games all weekend",
        "he's cut himself off from all his mates",
        "I'm chasing up the concern I sent in",
        "what's the law on airsoft guns",
        # "Still" says now only of what follows it: "still behind me".
        "he kicked the back door in at Easter and he still has a key",
        "she's only now told me he used to threaten her with a hammer",
        "her uncle was locked up for a stabbing years back and I still worry",
        "can I carry a pocket knife for my allotment",
    ],
)
def test_past_habitual_negated_or_everyday_is_not_danger(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text, confidence=0.95)])
    assert message.get(INTENT)["name"] == "describe_warning_sign"


def test_a_danger_message_keeps_the_signs_said_beside_it(nlp, safety_net):
    text = "she's had bruises for weeks and now he's hitting her"
    message = classified(nlp, text)
    bruises = {"entity": "warning_sign", "value": "injuries", "start": 10, "end": 17}
    hitting = {"entity": "warning_sign", "value": "injuries", "start": 39, "end": 52}
    learnt = {"entity": "warning_sign", "value": "fearful", "extractor": "WarningSignClassifier"}
    message.set(ENTITIES, [bruises, hitting, learnt])
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "immediate_danger"
    # The bruises are a sign; "he's hitting her" is the danger itself; the
    # learnt classifier's guesses are left out on danger.
    assert message.get(ENTITIES) == [bruises]


def test_the_classifiers_unsure_danger_is_still_danger(nlp, safety_net):
    # Danger the classifier's likeliest reading, but below the
    # FallbackClassifier's threshold: 999 first all the same.
    message = classified(nlp, "please come to number 4", intent="nlu_fallback", confidence=1.0)
    ranked(
        message, ("nlu_fallback", 1.0), ("immediate_danger", 0.35), ("describe_warning_sign", 0.3)
    )
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "immediate_danger"


@pytest.mark.parametrize(
    "text, danger",
    [
        ("it is number 4 on Invented Street", True),
        # An everyday police matter, and nothing the net reads as danger.
        ("there's a party over the road right now and it's shaking the windows", False),
        ("the lads upstairs are on the xbox yelling again", False),
    ],
)
def test_the_classifiers_unsure_danger_gives_way_to_an_everyday_matter(
    nlp, safety_net, text, danger
):
    message = classified(nlp, text, intent="nlu_fallback", confidence=1.0)
    ranked(message, ("nlu_fallback", 1.0), ("immediate_danger", 0.44), ("out_of_scope", 0.37))
    [message] = safety_net.process([message])
    assert (message.get(INTENT)["name"] == "immediate_danger") is danger


@pytest.mark.parametrize(
    "text, intent",
    [
        ("please come to number 4 on Invented Street", "immediate_danger"),
        # Sure of danger, but an everyday matter and nothing the net reads as
        # danger: asked to rephrase, which still gives 999 and 101.
        ("there's a massive party next door right now, music blasting", "nlu_fallback"),
        ("I just watched a film where a woman gets kidnapped", "nlu_fallback"),
    ],
)
def test_the_classifiers_sure_danger_gives_way_to_an_everyday_matter(nlp, safety_net, text, intent):
    message = classified(nlp, text, intent="immediate_danger", confidence=0.81)
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == intent


@pytest.mark.parametrize(
    "text, intent",
    [
        # Sure of danger, but the person says that nobody is in danger
        # now: the classifier's next reading.
        (
            "he's not violent but he screams at her and she's petrified of him",
            "describe_warning_sign",
        ),
        ("it's not an emergency, her ex sits outside her flat in his car", "describe_warning_sign"),
        ("he has never hit them but they're terrified of him", "describe_warning_sign"),
        (
            "he grabbed my throat in the summer, I'm safe at my sister's now",
            "describe_warning_sign",
        ),
        # Told as past, with no word of now anywhere.
        ("he smashed a mug over her head at Easter, it needed stitches", "describe_warning_sign"),
        ("three weeks ago he pushed her down the stairs", "describe_warning_sign"),
        ("he threatened to stab her brother at a wedding in June", "describe_warning_sign"),
        # A word of now beside the past: the classifier's danger stands.
        ("he broke her wrist last year and he's at her door right now", "immediate_danger"),
        # Danger the net itself finds is danger whatever else is said.
        ("it's not an emergency but he's got a knife", "immediate_danger"),
        ("he's never been violent before but he's hitting her right now", "immediate_danger"),
        # Nothing said of danger either way: the classifier's danger stands.
        ("please come to number 4 on Invented Street", "immediate_danger"),
    ],
)
def test_the_classifiers_danger_gives_way_when_it_is_said_not_to_be_now(
    nlp, safety_net, text, intent
):
    message = classified(nlp, text, intent="immediate_danger", confidence=0.9)
    ranked(
        message, ("immediate_danger", 0.9), ("nlu_fallback", 0.5), ("describe_warning_sign", 0.07)
    )
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == intent


@pytest.mark.parametrize(
    "text",
    [
        # Harm told in a clause of its own, apart from the everyday matter.
        "we're watching the football and my sister's fella is coming at her with a bottle",
        "the party's still going, his mate has got a blade to a lad's neck in the garden",
        # A danger phrase where it is noisy is danger all the same.
        "a lad at the house party has passed out in the bath and won't come round",
        # "Not the telly" names no everyday matter.
        "there's screaming for help next door and it's not the tv",
    ],
)
def test_the_classifiers_danger_stands_when_harm_is_told_apart_from_an_everyday_matter(
    nlp, safety_net, text
):
    message = classified(nlp, text, intent="immediate_danger", confidence=0.8)
    ranked(message, ("immediate_danger", 0.8), ("out_of_scope", 0.19))
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "immediate_danger"


def test_an_all_clear_with_no_other_reading_is_asked_to_rephrase(nlp, safety_net):
    message = classified(nlp, "nobody is in danger", intent="immediate_danger", confidence=1.0)
    ranked(message, ("immediate_danger", 1.0))
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "nlu_fallback"


def test_danger_second_in_the_classifiers_ranking_is_not_danger(nlp, safety_net):
    message = classified(nlp, "she keeps the blinds down all week", confidence=0.6)
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == "describe_warning_sign"


@pytest.mark.parametrize(
    "text",
    [
        "he's banging on my door saying he'll kill me if I don't open it",
        "someone is trying to snatch a child out of a pram",
        "I'm being followed by a man in a hood",
        "there's a man in my back garden looking in the windows",
        "two kids on their own in there and the smoke alarm's going off",
        "there's a van following me and I can't lose it",
        "she is being badly beaten in the car park",
        # The "n't" of "won't stop" belongs to "won't stop", not to the bleeding.
        "my mate's cut his hand open and it won't stop bleeding",
        # "has stopped" inside a danger phrase is not "it has stopped".
        "my uncle's stopped breathing",
        # A clause that only says now speaks of the clause before it.
        "banging and a woman sobbing from upstairs, it's still going",
        "the neighbour swears he drank weedkiller",
        "he keeps telling her tonight is the night you die",
        "an old man is being mugged at the cashpoint",
        "he's running at me with something in his hand",
        "a lad's just been glassed outside the pub",
        "she's slipped in the canal and she can't swim",
        "I'm hiding in the staff toilets, he's outside",
        "he's got her on the sofa and he won't let go of her throat",
        "I can see her through the letterbox lying at the foot of the stairs and not moving",
        "he's gone round to her flat saying he'll teach her a lesson",
        "her ex has just taken the kids from the school gates",
        "the baby's gone all limp in the back of the car",
        "hurry",
        # An -ing after a determiner is an event named; after "are", one under way.
        "they are stabbing a lad outside the chippy",
        # spaCy's table knows "torches" only; the spelling rules give "torching".
        "they are torching her car",
        "he has tied my sister to a chair",
        "he's tied her hands up",
        # "going on" just after a menace says it is happening.
        "there's a fight going on outside the flats",
        "FIRE",
        # Only what follows "on the telly" is a story.
        "I'm watching the telly and I can hear him hitting her next door",
        # A menace's -ing just after "is", "'s" or "are": going on as they write.
        "they're smashing the place up next door",
        "there's banging and crashing in the flat above",
        # A dropped g is the same word: "followin" is "following".
        "sum1 followin me rn",
        # Children taken off with, just now.
        "her fella has just driven off with both kids and he's had a skinful",
        # "us" is the person writing, as "me" is.
        "there's a car on our tail and it's still behind us",
    ],
)
def test_danger_new_shapes(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text, confidence=0.95)])
    assert message.get(INTENT)["name"] == "immediate_danger", text


@pytest.mark.parametrize(
    "text",
    [
        "what if he hits her again when she gets home",
        "my shed got broken into while we were on holiday",
        "a bank caller wanted my PIN",
        "there's a towel pinned over her window now",
        "I'm absolutely killing it at work",
        "where can I get my kitchen knives sharpened",
        "will social services take the kids off her",
        "he was trying to hit her last week",
        "my mum would kill me if she knew I'd told you",
        "he keeps following me home from work",
        # A menace that won't stop goes on and on: a warning sign.
        "her ex won't stop following her about",
        # "now" after a count of times is a length of time, not this minute.
        "he's been stood behind her in the queue a few times now",
        # Not allowed out is the sign "controlled"; with no word for now it stays one.
        "we heard them rowing and he won't let her out on her own",
        "someone tried to sell me a fake parcel scam, they said I'd be arrested",
        "where do I hand an old kitchen knife in",
        "the lads were yelling kill him at the xbox again",
        "I heard her screaming a few nights ago",
        "there was a burglary on our road last month",
        "my nan can't swim so she won't go on the boat trip",
        "I'm hiding how upset I am from the kids",
        "he's not moving out, he says the house is half his",
        "her sister's been taking the kids to nursery for her",
        "does a slapping count as assault in law",
        "how long do you get for a kicking",
        # Past perfect is over before now; "hurries" in a sentence is no cry for help.
        "she had bruises on her arms like shed been grabbed",
        "the lady there no longer says hello and hurries indoors",
        # "going on" said of nothing, or of something that goes on and on.
        "no idea what's going on with her lately, they fight",
        "the fighting has been going on for months",
        "most evenings he is yelling at her",
        "the kids are kicking a ball against her door right now",
        # A story, and a crime to the person's own car: not danger now.
        "in the film we watched a woman is being strangled",
        "on the telly tonight a man gets stabbed in the first five minutes",
        "someone has just smashed my car window and nicked the radio",
        # Following and threatening, as "-ing", are most often what he keeps doing.
        "he's following her everywhere she goes",
        "he's threatening to take the kids off her",
        "he ran off with the baby for a weekend last year",
        "a van was behind us the whole way home on Friday",
    ],
)
def test_not_danger_new_shapes(nlp, safety_net, text):
    [message] = safety_net.process([classified(nlp, text, confidence=0.95)])
    assert message.get(INTENT)["name"] == "describe_warning_sign", text


@pytest.mark.parametrize(
    "text, danger",
    [
        # A young child somewhere perilous.
        ("there's a toddler wandering along the dual carriageway", True),
        ("the baby next door is out on the balcony on his own", True),
        ("my neighbour's little girl is climbing onto the garage roof", True),
        ("her boyfriend has got the baby held out over the banister", True),
        ("two kids alone by the canal right now, they can't be more than three", True),
        ("there's a 3 year old on the windowsill upstairs and the window is open", True),
        ("two babies have been left alone in the flat since last night", True),
        # Said as a habit, as past, as a worry or a question: not now.
        ("the kids play by the canal after school", False),
        ("my little boy used to paddle in the river", False),
        ("what if a child runs onto the main road", False),
        ("the children were near the pond yesterday", False),
        ("her kids are always out on the main road", False),
        ("my 15 year old is home alone tonight, is that allowed", False),
        ("is it safe to leave a baby on the balcony in a pram", False),
        # A weapon in hand, a farewell from a height.
        ("my mate rang from the top of the multi storey saying she's sorry for everything", True),
        ("he's posting videos from the cliffs saying this is it", True),
        ("her husband is stood in the hallway with a crowbar", True),
        ("dad's gone for my brother with the poker", True),
        # A weapon in the past or a licence; a leaking roof; a bridge long ago.
        ("he went for her with a poker years ago", False),
        ("he's got a shotgun licence for the farm", False),
        ("the roof is leaking again and I can't take it anymore", False),
        ("she used to sit on the bridge and cry", False),
        # A person said plainly to be in danger, in the present.
        ("our mum is in danger", True),
        ("i honestly think my pal's life is at risk", True),
        ("the lady across the landing isnt safe", True),
        ("she's in real danger from that man", True),
        # A risk to something else, a thing, a question, a supposition, a denial.
        ("my mate is in danger of losing his tenancy", False),
        ("the footbridge isn't safe since the storm", False),
        ("is my sister in danger if she goes back?", False),
        ("she could be in danger one day", False),
        ("I don't believe for a minute my nan is in danger", False),
        ("she was in danger when she lived with him", False),
        # Someone seen down who does not respond, in one sentence or the next.
        ("he's sprawled on the kitchen floor, he's not answering me", True),
        ("my aunt is slumped at the table and not stirring", True),
        ("she's in a heap by the back door and doesn't respond when I shout", True),
        # Not answering the phone or the door is the sign; lying in bed is not down.
        ("his post is piled on the floor and he's not answering the door", False),
        ("she lies in bed all day and isn't answering anyone", False),
        # Kept somewhere against their will, now; as a habit or in the past, the sign.
        ("she's being kept prisoner in that flat", True),
        ("he's keeping her in the bedroom and she can't get out", True),
        ("he keeps her in the house all day", False),
        ("she was kept in the house for years by her ex", False),
        ("the hospital are keeping her in overnight", False),
    ],
)
def test_parts_that_mean_danger_together_are_danger_when_told_as_now(nlp, safety_net, text, danger):
    [message] = safety_net.process([classified(nlp, text, confidence=0.95)])
    assert (message.get(INTENT)["name"] == "immediate_danger") is danger


def test_the_net_says_in_the_parse_data_what_found_the_danger(nlp, safety_net):
    # Kept for the comms team's daily counts (bot/insight): the phrases and
    # cues of data/, or the classifier's own reading.
    [by_phrases] = safety_net.process([classified(nlp, "he's outside with a knife")])
    by_classifier = classified(nlp, "it is number 4 on Invented Street", intent="nlu_fallback")
    ranked(by_classifier, ("nlu_fallback", 1.0), ("immediate_danger", 0.35))
    [by_classifier] = safety_net.process([by_classifier])
    [no_danger] = safety_net.process([classified(nlp, "her curtains are always shut")])
    assert by_phrases.as_dict(only_output_properties=True)["danger_found_by"] == "safety_net"
    assert by_classifier.as_dict(only_output_properties=True)["danger_found_by"] == "classifier"
    assert "danger_found_by" not in no_danger.as_dict(only_output_properties=True)


@pytest.fixture(scope="module")
def polish():
    return build_other_language("pl")


def test_a_language_may_trust_its_classifiers_danger_from_a_higher_floor(nlp):
    def classifier_danger(net):
        message = classified(nlp, "it is number 4 on Invented Street", "nlu_fallback", 1.0)
        ranked(message, ("nlu_fallback", 1.0), ("immediate_danger", 0.35), ("deny", 0.3))
        [message] = net.process([message])
        return message.get(INTENT)["name"]

    assert DangerSafetyNet.get_default_config() == {"classifier_danger_floor": 0.3}
    assert classifier_danger(DangerSafetyNet()) == "immediate_danger"
    assert classifier_danger(DangerSafetyNet(classifier_danger_floor=0.4)) == "nlu_fallback"


@pytest.mark.parametrize(
    "text, intent",
    [
        # An everyday matter and no part of harm: asked to rephrase (999 and 101 all the same).
        ("alarm samochodowy wyje od godziny, zaraz oszaleję", "nlu_fallback"),
        ("impreza u sąsiadów teraz, muzyka na cały regulator", "nlu_fallback"),
        # Harm beside the everyday matter keeps the danger.
        ("impreza u sąsiadów, a teraz on ma nóż i idzie do niej", "immediate_danger"),
        # No everyday matter: the classifier's danger stands.
        ("proszę szybko, ulica Wymyślona 4", "immediate_danger"),
    ],
)
def test_in_another_language_the_classifiers_danger_gives_way_to_an_everyday_matter(
    polish, safety_net, text, intent
):
    message = classified(polish, text, intent="immediate_danger", confidence=0.81)
    [message] = safety_net.process([message])
    assert message.get(INTENT)["name"] == intent
