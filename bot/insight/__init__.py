"""What the comms team learns from the conversations, without anyone's words.

Before the purge deletes an idle conversation (``python -m bot.staff purge``),
``counting`` folds what the assistant did in it into counts, and ``daily``
adds them to a table of daily counts: no message text, no conversation id, no
reference, no time finer than the day. ``page`` draws those counts as the
insight page (``make insight``, and ``/staff/insight`` for an officer's
token), with every count under 5 shown as "fewer than 5".
"""
