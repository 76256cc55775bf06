"""``forecastgen fit``: fit a model and save it (``forecastgen.workflows.fit``)."""

from __future__ import annotations

import click

from forecastgen.cli.options import (
    data_options,
    finish,
    model_options,
    model_registry,
    parse_params,
    printer,
    read_options,
    warn_left_out,
)


@click.command()
@click.argument("path", type=click.Path())
@model_options(default=None, forecasts=False)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder to write the fitted model to (weights and config).")
@click.option("--epochs", type=click.IntRange(min=1),
              help="Training epochs of a neural model (its max_epochs; early stopping may end it sooner).")
@click.option("--batches-per-epoch", "batches", type=click.IntRange(min=1),
              help="Minibatches per epoch of a neural model.")
@data_options
def fit(path, model, seed, params, output, device, force, jobs, cluster, epochs, batches, **options):
    """Fit a model and save it, to forecast later with `predict --model-path` or to
    draw from with `sample`.

    \b
    PATH is a series CSV, or for density models (gmm, vae, ae-gmm) items: images (a
    folder of PNGs, .npz with 'images') or windows (.npy/.npz). The folder holds
    model.safetensors (the weights) and config.json (the model, its parameters and
    scaling); nothing in it is executable. Under torchrun, training is data parallel
    and only rank 0 writes.

    \b
    Examples:
      forecastgen fit examples/data/airline.csv --model rnn -o airline-rnn
      forecastgen fit examples/data/airline.csv -m rnn --epochs 5 --device cpu -o quick-rnn
      forecastgen models rnn          # every parameter of a model, with its default
      forecastgen predict examples/data/airline.csv --model-path airline-rnn
      forecastgen fit examples/data/digits.npz --model vae -o digits-vae
      forecastgen sample digits-vae -n 64 -o grid.png
      torchrun --nproc_per_node=2 -m forecastgen.cli fit data.csv -m rnn -o out
    """
    from forecastgen.workflows import fit as fit_model

    model_registry()
    fitted = fit_model(path, model, seed=seed, device=device, force=force, jobs=jobs, epochs=epochs,
                       batches_per_epoch=batches, output=output, cluster=cluster,
                       read_options=read_options(options), on_note=printer(options),
                       params=parse_params(params))
    warn_left_out(path, fitted.skipped_.values())
    finish(path, fitted.skipped_, None)
