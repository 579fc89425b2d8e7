"""The webhook delivery worker's parts: the HTTP sender, its metrics and the claim loop."""
