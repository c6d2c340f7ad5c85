"""What the service keeps: concern submissions, sealed conversations, conversation locks."""
