"""The training engine shared by every neural model: devices, seeding, precision,
the trainer, checkpoints and distributed data parallel. Models never pick devices."""
