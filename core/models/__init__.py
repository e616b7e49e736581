"""Model files (safetensors plus a JSON self-description, never executed) and the model library:
bundled models and the user's own folder."""
