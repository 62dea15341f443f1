"""The `glassgrad` command: train, list recipes, sample, evaluate, rebuild reports, benchmark, doctor.

glassgrad train [RECIPE] [--steps N | --epochs E] [--lr LR] [--batch-size B] [--seed S] [--device D] [--out DIR]
                [--nproc N]
glassgrad train --resume RUN [--nproc N]
glassgrad recipes
glassgrad sample RUN --prompt TEXT [--length N] [--temperature T] [--top-k K]
glassgrad eval RUN
glassgrad report RUN
glassgrad explain RUN
glassgrad export RUN [--format onnx] [--out FILE]
glassgrad bench [WORKLOAD] [--smoke]
glassgrad doctor [--json]
glassgrad lr-find [RECIPE] [--start-lr LR] [--end-lr LR] [--num-iter N] [--batch-size B] [--seed S] [--out DIR]
glassgrad lab [NAME | all] [--full] [--out DIR] [--seed S]
glassgrad playground [--host H] [--port P] [--no-browser] [--digits-run RUN] [--runs DIR] [--no-digits]
glassgrad run SCRIPT [ARGS...]
glassgrad launch --nproc N SCRIPT [ARGS...]
glassgrad convert CHECKPOINT OUT [--key KEY] [--strip-prefix PREFIX]
glassgrad docs [--build] [--open] [--out DIR]

A mistake in what was asked (an option's value, an unknown recipe, a device this machine lacks, a missing or
corrupted file, a run directory another training is using) is one line on stderr and exit status 2; `--debug`
(before or after the command) adds its traceback. Any other exception is a bug in glassgrad and shows its
traceback as usual.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
import warnings
from pathlib import Path
from typing import Sequence

from .train.errors import SettingError, UserError


class _Parser(argparse.ArgumentParser):
    """argparse, except that a command-line mistake is one line (argparse adds its whole usage), status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from .train.recipes import RECIPES

    parser = _Parser(prog="glassgrad", description="Train and inspect glassgrad models.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a user error too")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # --debug also after the command; SUPPRESS keeps a subcommand from resetting one given before it.
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    train = commands.add_parser("train", help="train a recipe (default: cnn-digits)", parents=[debug])
    train.add_argument(
        "recipe",
        nargs="?",
        default="cnn-digits",
        choices=sorted(RECIPES),
        metavar="RECIPE",
        help=f"one of: {', '.join(sorted(RECIPES))}",
    )
    train.add_argument("--steps", type=int, help="optimizer steps (default: the recipe's)")
    train.add_argument("--epochs", type=float, help="passes over the training data, instead of --steps")
    train.add_argument("--lr", type=float, help="peak learning rate (default: the recipe's)")
    train.add_argument("--batch-size", type=int, help="examples per step (default: the recipe's)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    train.add_argument("--out", dest="out_dir", default="runs", help="folder for run directories (default runs/)")
    train.add_argument("--eval-every", type=int)
    train.add_argument("--log-every", type=int)
    train.add_argument("--checkpoint-every", type=int)
    train.add_argument("--warmup", type=int, help="learning-rate warmup steps (default: the recipe's)")
    train.add_argument("--eval-limit", type=int, help="evaluate on the first N held-out examples (quick checks)")
    train.add_argument("--patience", type=int, default=0, help="early stopping after N evaluations without improvement")
    train.add_argument("--resume", metavar="RUN", help="continue the run in this directory from its checkpoint")
    train.add_argument("--nproc", type=int, default=1,
                       help="data-parallel processes over MPI, sharing the global --batch-size (default 1)")

    commands.add_parser("recipes", help="list the recipes with their expected results", parents=[debug])

    sample = commands.add_parser("sample", help="generate text from a trained text model", parents=[debug])
    sample.add_argument("run")
    sample.add_argument("--prompt", default="\n")
    sample.add_argument("--length", type=int, default=500)
    sample.add_argument("--temperature", type=float, default=0.8)
    sample.add_argument("--top-k", type=int, default=None)
    sample.add_argument("--seed", type=int, default=0)

    evaluate = commands.add_parser("eval", help="evaluate a run's checkpoint on its held-out data", parents=[debug])
    evaluate.add_argument("run")
    report = commands.add_parser("report", help="rebuild a run's plots and report.html", parents=[debug])
    report.add_argument("run")
    explain = commands.add_parser(
        "explain", help="write RUN/explain.html: one page on what the model is, computes and learned",
        parents=[debug],
    )  # fmt: skip
    explain.add_argument("run")
    convert = commands.add_parser(
        "convert", help="rewrite a checkpoint (torch.save's, or glassgrad's) as a safetensors file", parents=[debug])
    convert.add_argument("checkpoint")
    convert.add_argument("out")
    convert.add_argument("--key", help="keep only this entry of a checkpoint dict (e.g. model, as nanoGPT saves it)")
    convert.add_argument("--strip-prefix", default="", metavar="PREFIX",
                         help="remove PREFIX from the state_dict's keys (e.g. _orig_mod. of a torch.compile model)")
    export = commands.add_parser("export", help="write a run's model as ONNX (RUN/model.onnx, or --out FILE)",
                                 parents=[debug])  # fmt: skip
    export.add_argument("run")
    export.add_argument("--format", choices=["onnx"], default="onnx")
    export.add_argument("--out", default=None, help="the file to write (default: RUN/model.onnx)")

    bench = commands.add_parser("bench", help="benchmark glassgrad against PyTorch eager", parents=[debug])
    bench.add_argument("workload", nargs="?", default=None)
    bench.add_argument("--smoke", action="store_true", help="a few steps of each workload, no timing claims")

    doctor = commands.add_parser(
        "doctor", help="what this process runs on and what glassgrad changed in it (BLAS, kernels, malloc)",
        parents=[debug],
    )  # fmt: skip
    doctor.add_argument("--json", action="store_true", help="the same report as JSON")

    lr_find = commands.add_parser(
        "lr-find", help="the learning-rate range test on a recipe: a suggested rate and the loss-vs-rate plot",
        parents=[debug],
    )  # fmt: skip
    lr_find.add_argument("recipe", nargs="?", default="cnn-digits", choices=sorted(RECIPES), metavar="RECIPE",
                         help=f"one of: {', '.join(sorted(RECIPES))}")
    lr_find.add_argument("--start-lr", type=float, default=1e-7)
    lr_find.add_argument("--end-lr", type=float, default=10.0)
    lr_find.add_argument("--num-iter", type=int, default=100, help="steps of the sweep (default 100)")
    lr_find.add_argument("--batch-size", type=int, help="examples per step (default: the recipe's)")
    lr_find.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    lr_find.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    lr_find.add_argument("--out", dest="out_dir", default="runs", help="folder for the plot (default runs/)")

    # The lab: `glassgrad lab` lists the experiments, `lab NAME` runs one, `lab all` runs them and builds the book.
    lab = commands.add_parser("lab", help="the lab's experiments: list them, run one, or run all into the lab book",
                              parents=[debug])
    lab.add_argument("name", nargs="?", default=None, metavar="NAME", help="an experiment, or all (none: list them)")
    lab.add_argument("--full", action="store_true", help="the longer, better version of each experiment")
    lab.add_argument("--out", dest="out_dir", default="lab", help="folder for pictures and the book (default lab/)")
    lab.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    playground = commands.add_parser(
        "playground", help="a local web page: build a network, train it live, watch every neuron and gradient",
        parents=[debug],
    )  # fmt: skip
    playground.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    playground.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the address")
    playground.add_argument("--digits-run", metavar="RUN", help="the digits tab's run (default: the newest)")
    playground.add_argument("--runs", default="runs", help="folder of run directories (default runs/)")
    playground.add_argument("--no-digits", action="store_true", help="no digits tab model (nothing loaded or trained)")
    docs = commands.add_parser("docs", help="build the documentation site (or find the built copy) and print its path",
                               parents=[debug])
    docs.add_argument("--build", action="store_true", help="rebuild it even if a built copy exists")
    docs.add_argument("--open", action="store_true", help="open it in the web browser")
    docs.add_argument("--out", dest="out_dir", default=None, help="folder for the site (default docs/_build/html)")
    commands.add_parser("run", help="run a PyTorch script on glassgrad, unmodified: glassgrad run SCRIPT [ARGS...]",
                        add_help=False)
    commands.add_parser("launch", help="N ranks of a script over MPI, as torchrun: launch --nproc N SCRIPT [ARGS...]",
                        add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:  # everything after SCRIPT is the script's own: no parsing of ours may touch it
        from .run import main as run_script

        return run_script(argv[1:])
    if argv[:1] == ["launch"]:  # as run: the script's arguments are its own
        from .distributed.launch import main as launch

        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return launch(argv[1:])
    args = build_parser().parse_args(argv)
    args.argv = argv  # `train --nproc N` hands its command line on to the ranks
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning  # restored when the block ends (main may run inside tests)
        try:
            return _COMMANDS[args.command](args)
        except UserError as error:
            if args.debug:
                traceback.print_exc()
            one_line = " ".join(str(error).split("\n"))  # a message quoting a multi-line value stays one line
            print(f"glassgrad {args.command}: error: {one_line}", file=sys.stderr)
            return 2


def _show_warning(message: Warning | str, category: type, *_: object, **__: object) -> None:
    """A warning as one line, without the source line Python's default format adds."""
    print(f"glassgrad: warning: {message}", file=sys.stderr)


def _train(args: argparse.Namespace) -> int:
    from .train.config import TrainConfig
    from .train.loop import TrainingDiverged
    from .train.run import train

    config = TrainConfig(
        recipe=args.recipe,
        steps=args.steps,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        device=args.device,
        out_dir=args.out_dir,
        eval_every=args.eval_every,
        log_every=args.log_every,
        checkpoint_every=args.checkpoint_every,
        warmup=args.warmup,
        eval_limit=args.eval_limit,
        patience=args.patience,
    )
    if args.nproc != 1:
        return _train_on_ranks(args, config)
    try:
        result = train(config, resume=args.resume)
    except TrainingDiverged as error:
        print(f"glassgrad train: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once, keeping the last checkpoint written
        print("\nglassgrad train: stopped; the last checkpoint written is kept", file=sys.stderr)
        return 130
    return 130 if result.stop_reason == "interrupted" else 0


def _train_on_ranks(args: argparse.Namespace, config: object) -> int:
    """`train --nproc N`: the settings checked here, then N ranks of the same command (without --nproc) through
    `glassgrad launch`, each training its shard of the global batch (train/ranks.py); the worst rank's status."""
    from .distributed.launch import main as launch
    from .train.ranks import check_global_batch
    from .train.recipes import get_recipe
    from .train.run import read_config

    if args.nproc < 1:
        raise SettingError(f"--nproc must be at least 1, got {args.nproc}")
    if args.resume is not None:
        config = read_config(Path(args.resume))
    settings = get_recipe(config.recipe).resolve(config)
    check_global_batch(settings.batch_size, args.nproc)
    rank_script = Path(__file__).with_name("train") / "_rank_train.py"
    return launch(["--nproc", str(args.nproc), str(rank_script), *_without_nproc(args.argv)])


def _without_nproc(argv: list[str]) -> list[str]:
    """The command line without `--nproc N` (or `--nproc=N`)."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == "--nproc":
            skip = True
        elif not word.startswith("--nproc="):
            kept.append(word)
    return kept


def _recipes(args: argparse.Namespace) -> int:
    from .train.recipes import RECIPES

    width = max(len(name) for name in RECIPES)
    for name, recipe in sorted(RECIPES.items()):
        status = "" if recipe.available() else "   [needs data files: " + recipe.missing_hint() + "]"
        print(f"{name:<{width}}  {recipe.summary}\n{'':<{width}}  expected: {recipe.expected}{status}")
    return 0


def _sample(args: argparse.Namespace) -> int:
    from .backend import random as random_state
    from .train.run import load_run

    for name, value in (("--length", args.length), ("--top-k", args.top_k)):
        if value is not None and value < 1:
            raise SettingError(f"{name} must be at least 1, got {value}")
    if args.temperature <= 0:
        raise SettingError(f"--temperature must be positive, got {args.temperature}")
    settings, experiment, _ = load_run(args.run)
    if experiment.kind != "text":
        raise SettingError(f"{args.run} trained {settings.recipe}, a classifier: `sample` needs a text model")
    random_state.manual_seed(args.seed)
    text = experiment.extras["sample"](experiment.model, args.prompt, args.length, args.temperature, args.top_k)
    print(text)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .train.run import load_run

    settings, experiment, state = load_run(args.run)
    metrics = experiment.evaluate(experiment.model)
    shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
    print(f"{settings.recipe} at step {int(state['step'])}: {shown}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .train.run import build_report, load_run

    settings, experiment, _ = load_run(args.run)
    print(f"report: {build_report(Path(args.run), experiment, settings)}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    """Read a checkpoint with glassgrad's loader (a torch.save file through the restricted unpickler: no code
    runs) and write what it holds with gg.save: a safetensors file any safetensors reader opens, atomically."""
    from .serialization import load, save
    from .train.errors import BadFileError, MissingFileError

    source = Path(args.checkpoint)
    if not source.is_file():
        raise MissingFileError(f"{source}: no such file")
    try:
        content = load(source)
    except ValueError as error:  # refused globals, corrupt or truncated files: the loader's own words
        raise BadFileError(str(error)) from error
    if args.key is not None:
        if not isinstance(content, dict) or args.key not in content:
            keys = ", ".join(map(repr, content)) if isinstance(content, dict) else type(content).__name__
            raise SettingError(f"--key {args.key!r}: the checkpoint holds {keys}")
        content = content[args.key]
    if args.strip_prefix:
        if not isinstance(content, dict):
            raise SettingError(f"--strip-prefix needs a dict of tensors, the checkpoint holds {type(content).__name__}")
        content = {key.removeprefix(args.strip_prefix) if isinstance(key, str) else key: value
                   for key, value in content.items()}
    if Path(args.out).resolve() == source.resolve():
        raise SettingError(f"convert: OUT is the checkpoint itself ({source}); choose another file")
    try:
        save(content, args.out)
    except TypeError as error:  # a value a safetensors file cannot hold (a dtype, a device, ...)
        raise SettingError(f"convert: {error}; pick the part to keep with --key (e.g. --key model)") from error
    count = sum(1 for _ in _tensors(content))
    print(f"convert: {args.out} ({count} tensors from {source})")
    return 0


def _tensors(value: object) -> list:
    from .tensor import Tensor

    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    return []


def _export(args: argparse.Namespace) -> int:
    """The run's model traced on two examples of its training data, with a dynamic batch axis."""
    from .autograd.grad_mode import no_grad
    from .train.run import load_run
    from .viz.graph_modules import tensors_in

    try:
        from .onnx.exporter import export
    except ModuleNotFoundError as error:
        raise SettingError(f"--format onnx needs the onnx package ({error}): pip install 'glassgrad[onnx]'") from error
    settings, experiment, state = load_run(args.run)
    inputs, _ = experiment.batches.batch(0)
    example = inputs[:2]  # (2, ...): the recipe's data shape; the export makes the batch axis dynamic
    experiment.model.eval()
    with no_grad():
        count = len(tensors_in(experiment.model(example)))
    names = ["logits"] + [f"state_{k}" for k in range(1, count)]
    out = Path(args.out) if args.out else Path(args.run) / "model.onnx"
    export(experiment.model, (example,), str(out), input_names=["input"], output_names=names,
           dynamic_axes={"input": [0], "logits": [0]})  # fmt: skip
    shape = ", ".join(["batch", *map(str, example.shape[1:])])
    print(f"export: {out} ({settings.recipe} at step {int(state['step'])}, input ({shape}) "
          f"{str(example.dtype).removeprefix('glassgrad.')}); open it in Netron: https://netron.app")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from .viz.explain_run import explain_run

    print(f"explain: {explain_run(args.run)}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .bench.harness import END_TO_END, WORKLOADS
    from .bench.harness import main as bench_main

    known = [*sorted(WORKLOADS), END_TO_END]
    if args.workload is not None and args.workload not in known:  # here, so that it is one line like the rest
        raise SettingError(f"unknown workload {args.workload!r}; choose one of: {', '.join(known)}")
    return bench_main([*(["--smoke"] if args.smoke else []), *([args.workload] if args.workload else [])])


def _doctor(args: argparse.Namespace) -> int:
    from .doctor_report import doctor, print_report

    report = doctor()
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print_report(report)
    return 0


def _lr_find(args: argparse.Namespace) -> int:
    """Build the recipe as `glassgrad train` does, sweep its own optimizer over its own batches, and write
    `<out>/lr-find-<recipe>.png`. The recipe's loss function computes the model's output itself (the GPT takes
    the targets too), so the sweep trains a thin module that wraps the model and returns the loss."""
    from . import nn
    from .backend import random as random_state
    from .diagnostics import lr_find
    from .train.config import TrainConfig
    from .train.recipes import get_recipe

    if args.num_iter < 2:
        raise SettingError(f"--num-iter must be at least 2, got {args.num_iter}")
    if not 0 < args.start_lr < args.end_lr:
        raise SettingError(f"--start-lr must be positive and below --end-lr, got {args.start_lr} and {args.end_lr}")
    recipe = get_recipe(args.recipe)
    config = TrainConfig(recipe=args.recipe, steps=args.num_iter, batch_size=args.batch_size, seed=args.seed,
                         device=args.device, out_dir=args.out_dir)
    settings = recipe.resolve(config)
    random_state.manual_seed(args.seed)
    experiment = recipe.build(settings)

    class RecipeLoss(nn.Module):
        def __init__(self, model: nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, pair: tuple) -> object:
            return experiment.loss_fn(self.model, *pair)[0]

    batches = [(experiment.batches.batch(step), None) for step in range(args.num_iter)]
    result = lr_find(RecipeLoss(experiment.model), lambda loss, _: loss, batches, optimizer=experiment.optimizer,
                     start_lr=args.start_lr, end_lr=args.end_lr, num_iter=args.num_iter)
    path = result.plot(Path(args.out_dir) / f"lr-find-{args.recipe}.png")
    suggestion = "none (the loss did not fall)" if result.suggestion is None else f"{result.suggestion:.3g}"
    print(f"{args.recipe}: suggested lr {suggestion} (steepest descent); min-loss/10 {result.lr_min:.3g}; "
          f"the recipe trains at {settings.lr:g}")
    ended = "stopped early on divergence" if result.stopped_early else "ran every step"
    print(f"swept {len(result.lrs)} steps from {result.lrs[0]:.2g} to {result.lrs[-1]:.2g} ({ended})")
    print(f"plot: {path}")
    return 0


def _lab(args: argparse.Namespace) -> int:
    """List, run one, or run all and build the book (rebuilt after each experiment, so Ctrl-C keeps the finished)."""
    from . import lab

    if args.name is None:
        width = max(len(name) for name in lab.EXPERIMENTS)
        for name in lab.EXPERIMENTS:
            try:
                line = f"{lab.module(name).TITLE}: {_shortened(lab.summary(name), 100)}"
            except lab.MissingExperiment:
                line = "(not written yet)"
            print(f"{name:<{width}}  {line}")
        print(f"run one: glassgrad lab NAME [--full]; all, into the lab book: glassgrad lab all --out {args.out_dir}")
        return 0
    if args.name != "all":
        lab.module(args.name)  # an unknown or missing experiment: its error before any folder is made
        lab.check_output_folder(args.out_dir)
        try:
            result = lab.run(args.name, args.out_dir, full=args.full, seed=args.seed)
        except KeyboardInterrupt:
            print(f"\nglassgrad lab: stopped; {args.name} did not finish", file=sys.stderr)
            return 130
        _print_lab_result(result)
        print(f"files: {Path(args.out_dir) / args.name}/ (results.json and {len(result.figures)} pictures)")
        return 0  # a claim that does not hold is a finding, printed as such, not a failure of the command
    lab.check_output_folder(args.out_dir)
    finished, failed = [], []
    try:
        for name in lab.EXPERIMENTS:
            try:
                lab.module(name)
                print(f"{name}: running", flush=True)
                result = lab.run(name, args.out_dir, full=args.full, seed=args.seed)
            except lab.MissingExperiment:
                print(f"{name}: skipped, not written yet", file=sys.stderr)
                continue
            except Exception:  # a bug in one experiment: report it and keep the others' pages
                traceback.print_exc()
                failed.append(name)
                continue
            _print_lab_result(result)
            finished.append(name)
            lab.build_book(args.out_dir)
    except KeyboardInterrupt:
        done = ", ".join(finished) or "none"
        print(f"\nglassgrad lab: stopped; finished: {done}; the book {Path(args.out_dir) / 'index.html'} has them",
              file=sys.stderr)
        return 130
    book = lab.build_book(args.out_dir)
    print(f"lab book: {book} ({len(finished)} experiments" + (f"; failed: {', '.join(failed)})" if failed else ")"))
    return 1 if failed else 0


def _print_lab_result(result: object) -> None:
    print(f"{result.name}: {result.title} ({result.seconds:.1f} s)")
    for claim in result.claims:
        verdict = "holds" if claim.holds else "DOES NOT HOLD"
        print(f"  {claim.name}: measured {claim.shown()}, expected {claim.expected}: {verdict}")


def _shortened(text: str, width: int) -> str:
    return text if len(text) <= width else text[: text.rfind(" ", 0, width)] + " ..."


def _playground(args: argparse.Namespace) -> int:
    from .playground import missing_web_stack

    missing = missing_web_stack()
    if missing:
        raise SettingError(f"the playground needs {', '.join(missing)}, which this Python lacks: "
                           "pip install glassgrad[playground]")
    if not 1 <= args.port <= 65535:
        raise SettingError(f"--port must be from 1 to 65535, got {args.port}")
    from .playground.server import launch

    return launch(args.host, args.port, not args.no_browser, args.digits_run, args.runs, not args.no_digits)


def _docs(args: argparse.Namespace) -> int:
    """Build when asked or when there is no built copy; print the index's path; --open shows it."""
    from . import docs_site

    index = None if args.build else docs_site.built(args.out_dir)
    if index is None:
        index, seconds = docs_site.build(args.out_dir)
        print(f"docs: built in {seconds:.1f} s")
    print(f"docs: {index}")
    if args.open:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())
    return 0


_COMMANDS = {
    "train": _train,
    "recipes": _recipes,
    "sample": _sample,
    "eval": _eval,
    "report": _report,
    "explain": _explain,
    "export": _export,
    "convert": _convert,
    "bench": _bench,
    "doctor": _doctor,
    "lr-find": _lr_find,
    "lab": _lab,
    "playground": _playground,
    "docs": _docs,
}

if __name__ == "__main__":
    sys.exit(main())
