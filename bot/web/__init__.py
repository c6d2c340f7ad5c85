"""The web service: the public chat API and widget, and the concern team's API.

``public.create_app`` is the only thing the public reaches; it forwards to the
Rasa server over loopback. ``staff.create_staff_app`` serves the concern team
on its own port, never exposed to the public. Run either with
``python -m bot.web`` (see ``bot/web/__main__.py``).
"""
