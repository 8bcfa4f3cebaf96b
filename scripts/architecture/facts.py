"""What the diagram shows, read from the code: the layers and pure modules from import-linter's
contracts in pyproject.toml, the sub-packages from the folders on disk, the tasks, queues and beat
schedule from the Celery app and Django's settings, and the declared flow's steps, each checked
against the code (a step whose module or function has gone raises DiagramError naming it)."""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from celery.schedules import schedule as interval
from django.conf import settings

from config.celery import TASK_PACKAGES, app

# Django's settings are read when first used, not when imported: the script sets the environment
# it reads them with first (scripts/architecture_diagram.py, django_setup).
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "scripts/architecture_diagram.py"
REGENERATE = "make architecture-diagram"


class DiagramError(Exception):
    """The code no longer has something the drawing names, or the drawing would be hard to read."""


@dataclass(frozen=True)
class Step:
    """One step of the flow: the function that does it (a Celery task or a plain function) and, for
    a task, the function it calls."""

    title: str
    module: str
    function: str
    what: str
    calls: tuple[str, str] | None = None


@dataclass(frozen=True)
class Reader:
    """Something that reads the stored results; ``task`` names the task that runs it, if any."""

    title: str
    module: str
    function: str
    what: str
    task: str = ""


@dataclass(frozen=True)
class Layer:
    name: str
    packages: tuple[str, ...]  # sub-packages, and the pure modules of the layer


@dataclass(frozen=True)
class TaskInfo:
    name: str  # as registered, routed and scheduled
    queue: str
    module: str
    function: str
    summary: str

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def path(self) -> str:
        return module_path(self.module)


@dataclass(frozen=True)
class Periodic:
    entry: str
    task: str
    when: str
    order: tuple[float, str]


@dataclass(frozen=True)
class ResolvedStep:
    title: str
    what: str
    function: str
    path: str
    task: TaskInfo | None = None
    calls: tuple[str, str] | None = None  # (function, path)


@dataclass(frozen=True)
class Architecture:
    layers: tuple[Layer, ...]
    pure: tuple[str, ...]
    queues: tuple[tuple[str, tuple[TaskInfo, ...]], ...]
    periodic: tuple[Periodic, ...]
    timezone: str
    steps: tuple[ResolvedStep, ...]
    store: tuple[str, str]  # (model, path)
    readers: tuple[tuple[Reader, ResolvedStep], ...]

    def periodic_of(self, task: str) -> tuple[Periodic, ...]:
        return tuple(p for p in self.periodic if p.task == task)


def module_path(module: str) -> str:
    """The file of a first-party module, relative to the project, in forward slashes."""
    found = importlib.import_module(module)
    filename = inspect.getsourcefile(found) or ""
    return Path(filename).resolve().relative_to(ROOT).as_posix()


def contracts_read() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The layers (top first) and the pure modules, from import-linter's contracts in pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c.get("id"): c for c in config.get("tool", {}).get("importlinter", {}).get("contracts", [])}
    if "layers" not in contracts or "pure" not in contracts:
        raise DiagramError(
            "pyproject.toml has no import-linter contracts with the ids 'layers' and 'pure': the "
            "diagram draws the layers from them."
        )
    return tuple(contracts["layers"]["layers"]), tuple(contracts["pure"]["source_modules"])


def layers_read(names: Sequence[str], pure: Sequence[str]) -> tuple[Layer, ...]:
    """Each layer's sub-packages as found on disk (migrations left out), and its pure modules."""
    layers = []
    for name in names:
        folder = ROOT / name.replace(".", "/")
        if not (folder / "__init__.py").is_file():
            raise DiagramError(f"the import-linter layer {name!r} is not a package in {ROOT.name}/.")
        packages = {
            child.name
            for child in folder.iterdir()
            if child.is_dir() and (child / "__init__.py").is_file() and child.name != "migrations"
        }
        packages |= {
            module.split(".", 1)[1].split(".")[0] for module in pure if module.startswith(f"{name}.")
        }
        layers.append(Layer(name, tuple(sorted(packages))))
    return tuple(layers)


def first_sentence(doc: str | None) -> str:
    """The docstring's first sentence, on one line."""
    text = " ".join((doc or "").split("\n\n", 1)[0].split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def tasks_read() -> tuple[dict[str, TaskInfo], list[str]]:
    """Every registered task with the queue it is routed to, and the queues in the configuration's order."""
    app.loader.import_default_modules()
    app.autodiscover_tasks(TASK_PACKAGES, force=True)
    tasks = {}
    for name in sorted(app.tasks):
        if name.startswith("celery."):
            continue
        task = app.tasks[name]
        run = getattr(task, "run", task)
        tasks[name] = TaskInfo(
            name=name,
            queue=app.amqp.router.route({}, name)["queue"].name,
            module=run.__module__,
            function=run.__name__,
            summary=first_sentence(inspect.getdoc(run)),
        )
    queues = list(getattr(settings, "WORK_QUEUES", ()))
    queues += sorted({t.queue for t in tasks.values()} - set(queues))
    return tasks, queues


def queues_group(
    tasks: dict[str, TaskInfo], queues: Sequence[str]
) -> tuple[tuple[str, tuple[TaskInfo, ...]], ...]:
    """The tasks of each queue, in the order CELERY_TASK_ROUTES names them (then any not named)."""
    routed = [name for name in settings.CELERY_TASK_ROUTES if name in tasks]
    order = routed + sorted(set(tasks) - set(routed))
    return tuple(
        (queue, tuple(tasks[name] for name in order if tasks[name].queue == queue)) for queue in queues
    )


DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTH_NAMES = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _listed(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def schedule_words(entry: str, schedule: object) -> tuple[str, tuple[float, str]]:
    """When a beat entry runs, in words, and a key that puts the entries in order through the day."""
    if isinstance(schedule, interval):
        schedule = schedule.run_every
    if isinstance(schedule, timedelta):
        schedule = schedule.total_seconds()
    if isinstance(schedule, int | float):
        seconds = float(schedule)
        if seconds == 60:
            words = "every minute"
        elif seconds % 3600 == 0:
            words = f"every {seconds / 3600:g} hours"
        elif seconds % 60 == 0:
            words = f"every {seconds / 60:g} minutes"
        else:
            words = f"every {seconds:g} seconds"
        return words, (-1e9 + seconds, entry)
    if isinstance(schedule, crontab):
        hours, minutes = sorted(schedule.hour), sorted(schedule.minute)
        if len(hours) * len(minutes) <= 4:
            times = _listed(f"{h:02d}:{m:02d}" for h in hours for m in minutes)
        else:
            times = f"minute {_listed(str(m) for m in minutes)} of hour {_listed(str(h) for h in hours)}"
        days = []
        if len(schedule.day_of_week) < 7:
            days.append("on " + _listed(DAY_NAMES[d] for d in sorted(schedule.day_of_week)))
        if len(schedule.day_of_month) < 31:
            days.append("on day " + _listed(str(d) for d in sorted(schedule.day_of_month)))
        if len(schedule.month_of_year) < 12:
            days.append("in " + _listed(MONTH_NAMES[m] for m in sorted(schedule.month_of_year)))
        words = f"{times} " + (" ".join(days) if days else "every day")
        return words, (hours[0] * 60 + minutes[0], entry)
    raise DiagramError(
        f"the beat entry {entry!r} has a schedule the diagram cannot put in words ({schedule!r}): "
        f"teach schedule_words in {SCRIPT} to describe it."
    )


def periodic_read() -> tuple[Periodic, ...]:
    found = []
    for entry, spec in settings.CELERY_BEAT_SCHEDULE.items():
        when, order = schedule_words(entry, spec["schedule"])
        found.append(Periodic(entry=entry, task=spec["task"], when=when, order=order))
    return tuple(sorted(found, key=lambda p: p.order))


def _resolve(module: str, function: str, title: str) -> object:
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        raise DiagramError(
            f"the step {title!r} names the module {module}, which cannot be imported ({error}): "
            f"change FLOW or READERS in {SCRIPT} to name where the step now lives."
        ) from error
    if not hasattr(found, function):
        raise DiagramError(
            f"the step {title!r} names {module}.{function}, which no longer exists: change FLOW or "
            f"READERS in {SCRIPT} to name the function that now does it."
        )
    return getattr(found, function)


def step_resolve(step: Step | Reader, tasks: dict[str, TaskInfo]) -> ResolvedStep:
    """The step's function and file, its task and queue if it is a task, and what it calls."""
    found = _resolve(step.module, step.function, step.title)
    task = tasks.get(getattr(found, "name", None) or "") if hasattr(found, "delay") else None
    calls = None
    if isinstance(step, Step) and step.calls:
        _resolve(*step.calls, step.title)
        calls = (step.calls[1], module_path(step.calls[0]))
    if isinstance(step, Reader) and step.task and step.task not in tasks:
        raise DiagramError(
            f"the reader {step.title!r} names the task {step.task}, which is not registered: change "
            f"READERS in {SCRIPT}."
        )
    return ResolvedStep(
        title=step.title,
        what=step.what,
        function=step.function,
        path=module_path(step.module),
        task=task,
        calls=calls,
    )


def architecture_read(
    flow: Sequence[Step], store: tuple[str, str], readers: Sequence[Reader]
) -> Architecture:
    """Everything the drawing shows, read from the code (Django must be set up): the declared flow,
    where its results are stored (module, model) and what reads them, each checked against the code."""
    layer_names, pure = contracts_read()
    tasks, queues = tasks_read()
    _resolve(*store, "Stored results")
    return Architecture(
        layers=layers_read(layer_names, pure),
        pure=pure,
        queues=queues_group(tasks, queues),
        periodic=periodic_read(),
        timezone=str(settings.CELERY_TIMEZONE),
        steps=tuple(step_resolve(step, tasks) for step in flow),
        store=(store[1], module_path(store[0])),
        readers=tuple((reader, step_resolve(reader, tasks)) for reader in readers),
    )
