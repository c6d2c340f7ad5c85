"""The conversation every simulated person in `make bench` has: signs, doubt, a
question, then a report through the form to the end. One module, so that the
load through the stack (scripts/bench_locustfile.py) and the in-process
ceiling (scripts/bench_ceiling.py) say exactly the same things.
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
