"""Custom NLU components of the Anbu dialogue model (loaded by module path from config.yml)."""
