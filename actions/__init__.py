"""Custom actions, one module per user goal, served by the rasa-sdk action server."""
