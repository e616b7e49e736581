"""Fine-tuning on a user's photo folder: the recipe the wizard and `srgan finetune` share, and the
record of runs that can be resumed or finished later."""
