"""Fine-tuning on a user's photo folder, for the wizard and `srgan finetune` alike.

    photos    what the folder holds; holdout: the one rule for the held-out photos
    recipe    the training settings (FineTuneRecipe, per device) and the user's FineTuneChoices -> TrainConfig
    speed     how fast this computer trains those settings (measured once, cached); budget: minutes -> steps
    runs      the runs store (one folder and record per run); history: its downsampled loss curve
    runner    training a run while keeping its record; finish: export the best, or "no improvement"
    naming    model names in the user's library
"""
