"""The conversation every simulated person in `make bench` has: signs, doubt, a
question, then a report through the form to the end. One module, so that the
load through the stack (scripts/bench_locustfile.py) and the in-process
ceiling (scripts/bench_ceiling.py) say exactly the same things.

The Polish one says the same in Polish, for the set-up that offers both
languages (issue 15); it was written for the benchmark, invented like the rest.
"""

CONVERSATION = (
    "hello",
    "my neighbour's curtains have been closed for a week",
    "/affirm",
    "her phone is always off and i haven't seen her go out",
    "/deny",
    "i'm not sure, it might be nothing",
    "will they know it was me?",
    "/want_to_report",
    "she looks frightened when he comes home",
    '/inform{"choice": "a few weeks"}',
    "Invented Road, Exampletown",
    "/deny",
    '/inform{"choice": "anonymous"}',
    "/affirm",
)

POLISH_CONVERSATION = (
    "dzień dobry",
    "moja sąsiadka od tygodnia ma cały czas zasłonięte okna",
    "/affirm",
    "jej telefon jest ciągle wyłączony i nie widać, żeby wychodziła z domu",
    "/deny",
    "nie jestem pewna, może to nic takiego",
    "czy oni się dowiedzą, że to ja?",
    "/want_to_report",
    "wygląda na przestraszoną, kiedy on wraca do domu",
    '/inform{"choice": "a few weeks"}',
    '/inform{"choice": "neighbour"}',
    "ulica Zmyślona 1, Przykładowo",
    "/deny",
    '/inform{"choice": "anonymous"}',
    "/affirm",
)
