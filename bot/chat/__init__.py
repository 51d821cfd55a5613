"""Chat adapters: show each mention as a card in team chat and bring decisions back."""
