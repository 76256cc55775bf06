"""``forecastgen sample``, ``upscale`` and ``score``: draw from saved density models, enlarge
images, and score synthetic items against real ones (``forecastgen.workflows``)."""

from __future__ import annotations

import json

import click

from forecastgen.cli.options import format_table
from forecastgen.errors import InputError


@click.command()
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.option("-n", "--num-samples", default=64, show_default=True, type=click.IntRange(min=1))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="grid.png (images), or .npy / .npz / .csv (one window per row) for the items.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--plot", type=click.Path(dir_okay=False),
              help="For windows: also a PNG of the first sixteen sampled windows.")
@click.option("--label", type=click.IntRange(min=0),
              help="Class of every sample, for class-conditional models (conditional=true).")
def sample(model_dir, num_samples, output, seed, plot, label):
    """Draw new items from a saved density model (see `fit`).

    \b
    Examples:
      forecastgen sample digits-vae -n 64 -o grid.png
      forecastgen sample sines-gmm -n 1000 -o synth.csv --plot synth.png
      forecastgen sample digits-gan -n 64 --label 3 -o threes.png
    """
    from forecastgen.data.writer import check_writable, write_samples
    from forecastgen.engine.checkpoint import load_checkpoint
    from forecastgen.workflows import sample as draw

    check_writable(output, "--output")
    check_writable(plot, "--plot")
    model = load_checkpoint(model_dir)
    if plot and model.supports("images") and not model.supports("series"):
        raise InputError("--plot draws sampled windows; this model samples images: write them "
                         "to a .png output instead")
    items = draw(model, num_samples, seed=seed, label=label)
    if plot and items.ndim == 4:
        raise InputError("--plot draws sampled windows; images go to a .png output instead")
    write_samples(output, items)
    if plot:
        from forecastgen.plotting import plot_windows

        plot_windows(items, plot)
    click.echo(f"note: wrote {num_samples} samples of shape {items.shape[1:]} to {output}", err=True)


@click.command()
@click.argument("model_dir", type=click.Path(file_okay=False))
@click.argument("images", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="out.png (one image at its size, or a grid of several), or .npz / .npy.")
@click.option("--factor", default=2, show_default=True, type=click.Choice(["2", "4"]),
              help="2x, or 4x as two 2x steps.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--naive", is_flag=True, help="Sample without the cache (slow; for comparison).")
@click.option("--consistent/--free", default=True, show_default=True,
              help="Keep each 2x2 block's mean on the small pixel, or sample the model as it is.")
def upscale(model_dir, images, output, factor, seed, naive, consistent):
    """Enlarge IMAGES 2x or 4x with a saved super-resolution model (fit -m pixelcnn-sr).

    IMAGES is one .png, a folder of PNGs, or a .npz/.npy batch; their pixel levels are
    mapped onto the model's. Each output pixel is sampled given the small image, so
    another --seed gives another plausible large image.

    \b
    Examples:
      forecastgen fit examples/data/digits.npz -m pixelcnn-sr -o digits-sr
      forecastgen upscale digits-sr small.png -o large.png
      forecastgen upscale digits-sr small.npz -o large.npz --factor 4
    """
    from forecastgen.data.images import read_images, write_images
    from forecastgen.data.writer import check_writable
    from forecastgen.engine.checkpoint import load_checkpoint
    from forecastgen.workflows import upscale as enlarge

    check_writable(output, "--output")
    model = load_checkpoint(model_dir)
    if not model.supports("upscale"):
        raise InputError(f"{model_dir}: model '{model.name}' does not upscale images; fit one with "
                         "`forecastgen fit IMAGES -m pixelcnn-sr -o DIR`")
    small = read_images(images)
    large = enlarge(model, small, factor=int(factor), seed=seed, cached=not naive, consistent=consistent)
    write_images(output, large.scaled(), large.levels)
    click.echo(f"note: enlarged {len(large)} image(s) {small.shape[1:]} -> {large.shape[1:]} "
               f"({large.levels} levels) into {output}", err=True)


@click.command()
@click.argument("real", type=click.Path())
@click.argument("synthetic", type=click.Path())
@click.option("--kind", type=click.Choice(["images", "windows"]),
              help="What the files hold (default: images for PNG folders and .npz with an "
                   "'images' array, else windows).")
@click.option("--iterations", default="2000,5000", show_default=True,
              help="Training steps of the discriminative and predictive networks.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda, mps.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def score(real, synthetic, kind, iterations, seed, device, as_json):
    """Score how well SYNTHETIC items can be told from REAL ones.

    Windows (.csv with one window per row, .npy/.npz of shape (n, length[, channels]),
    scaled to [0, 1]) get TimeGAN's discriminative score (|accuracy - 0.5| of a post-hoc
    GRU, lower is better) and predictive score (MAE on REAL of a GRU trained on
    SYNTHETIC), RBF MMD, the ACF distance and, for several channels, the correlation
    distance (mean |difference| of the channels' correlations); images (PNG folder, .npz
    with 'images') get the discriminative score (a small CNN) and MMD.

    \b
    Examples:
      forecastgen score real_windows.npy synth_windows.npy
      forecastgen score examples/data/digits.npz samples.npz --json
    """
    from forecastgen.data.items import read_items
    from forecastgen.workflows import score as fidelity

    try:
        steps = tuple(int(part) for part in iterations.split(","))
    except ValueError:
        raise click.BadParameter("give two whole numbers, e.g. 2000,5000",
                                 param_hint="--iterations") from None
    real_items, real_kind = read_items(real, kind)
    synthetic_items, _ = read_items(synthetic, kind or real_kind)
    scores = fidelity(real_items, synthetic_items, seed=seed, device=device, iterations=(steps + steps)[:2])
    if as_json:
        click.echo(json.dumps({"kind": real_kind, **scores}, indent=2))
        return
    click.echo(format_table(["metric", "value"], [[k, f"{v:.4f}"] for k, v in scores.items()]))
