"""The welfare-concern assistant's own code outside the dialogue actions."""
