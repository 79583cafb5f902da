"""Training toolkit: annotation readers, evaluation (numpy only) and training (torch, optional)."""
