"""Custom actions of the Anbu dialogue, run by the action server (`rasa run actions` from dialogs/)."""
