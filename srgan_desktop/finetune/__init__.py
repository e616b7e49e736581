"""The fine-tune wizard: photos, goal, live training, naming the new model; resuming kept runs."""
