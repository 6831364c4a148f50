"""Online RL through trl: GRPO (reward functions / a reward model), reward-model training, GKD."""
