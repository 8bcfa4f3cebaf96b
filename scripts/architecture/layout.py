"""The architecture diagram's four parts, drawn one below the other: the layers, the flow of a monthly
return, the queues with their tasks and the periodic jobs; and its <desc> in words."""

from __future__ import annotations

import math
from collections.abc import Sequence

from scripts.architecture.canvas import (
    INK,
    INNER,
    MARGIN,
    PANEL,
    QUEUE_COLOURS,
    RULE,
    SECONDARY,
    STEP_FILL,
    STORE_FILL,
    WHITE,
    WIDTH,
    Drawing,
    text_width,
    wrap,
)
from scripts.architecture.facts import REGENERATE, SCRIPT, Architecture, Reader, ResolvedStep


def _heading(d: Drawing, y: float, title: str, caption: str) -> float:
    d.text(MARGIN, y + 20, title, size=19, on=WHITE, bold=True)
    y = d.lines(MARGIN, y + 44, wrap(caption, INNER, 14), size=14, on=WHITE, colour=SECONDARY)
    return y - 2


def _chip_label(layer: str, package: str, pure: Sequence[str]) -> str:
    return f"{package} (pure)" if f"{layer}.{package}" in pure else package


def draw_layers(d: Drawing, y: float, arch: Architecture) -> float:
    d.group("layers")
    order = " → ".join(layer.name for layer in arch.layers)
    y = _heading(
        d,
        y,
        "1. The apps, as layers",
        f"Imports point down only: {order} (import-linter's “layers” contract in pyproject.toml). "
        "A package marked (pure) imports no Django and no app, so every layer may use it "
        "(the “pure” contract).",
    )
    label_w, chip_h, chip_gap, pad = 170, 28, 8, 12
    chips_x, chips_right = MARGIN + label_w, WIDTH - MARGIN - pad
    for index, layer in enumerate(arch.layers):
        # Lay the chips out first, to know the row's height.
        placed: list[tuple[float, float, str, bool]] = []
        x: float = chips_x
        row = 0
        for package in layer.packages:
            label = _chip_label(layer.name, package, arch.pure)
            w = text_width(label, 14) + 20
            if x + w > chips_right and x > chips_x:
                x, row = chips_x, row + 1
            placed.append((x, row, label, label.endswith("(pure)")))
            x += w + chip_gap
        rows = (row + 1) if placed else 1
        h = max(pad * 2 + rows * chip_h + (rows - 1) * chip_gap, 62)
        d.rect(MARGIN, y, INNER, h, fill=PANEL, stroke=RULE)
        d.text(MARGIN + pad, y + pad + 19, layer.name, size=18, on=PANEL, bold=True)
        d.text(
            MARGIN + pad,
            y + pad + 38,
            f"layer {index + 1} of {len(arch.layers)}",
            size=13,
            on=PANEL,
            colour=SECONDARY,
        )
        if not placed:
            d.text(chips_x, y + pad + 19, "no sub-packages", size=14, on=PANEL, colour=SECONDARY)
        for cx, crow, label, pure in placed:
            cy = y + pad + crow * (chip_h + chip_gap)
            w = text_width(label, 14) + 20
            d.rect(cx, cy, w, chip_h, fill=WHITE, stroke=INK if pure else RULE, dashed=pure)
            d.text(cx + 10, cy + 19, label, size=14, on=WHITE)
        y += h
        if index < len(arch.layers) - 1:
            d.arrow(MARGIN + 60, y + 2, MARGIN + 60, y + 26)
            d.text(MARGIN + 72, y + 19, "imports", size=13, on=WHITE, colour=SECONDARY)
            y += 28
    d.end()
    return y


def _step_lines(
    step: ResolvedStep, width: float, number: str = ""
) -> list[tuple[str, float, bool, str, float]]:
    """(text, size, bold, colour, space before) for each line of a step's box, below its badge."""
    out: list[tuple[str, float, bool, str, float]] = []
    title = f"{number}. {step.title}" if number else step.title
    out += [(line, 16, True, INK, 0) for line in wrap(title, width, 16, True)]
    out += [
        (line, 14, True, INK, 8 if i == 0 else 0)
        for i, line in enumerate(wrap(f"{step.function}()", width, 14, True))
    ]
    out += [(line, 13, False, SECONDARY, 0) for line in wrap(step.path, width, 13)]
    if step.calls:
        out += [
            (line, 14, False, INK, 6 if i == 0 else 0)
            for i, line in enumerate(wrap(f"calls {step.calls[0]}()", width, 14))
        ]
        out += [(line, 13, False, SECONDARY, 0) for line in wrap(step.calls[1], width, 13)]
    out += [(line, 14, False, INK, 8 if i == 0 else 0) for i, line in enumerate(wrap(step.what, width, 14))]
    return out


def _badge_text(step: ResolvedStep, arch: Architecture, reader: Reader | None = None) -> tuple[str, str]:
    """What runs the step, and the colour of its badge."""
    if step.task:
        return f"task, {step.task.queue} queue", QUEUE_COLOURS.get(step.task.queue, INK)
    if reader and reader.task:
        queue = next(t.queue for _, tasks in arch.queues for t in tasks if t.name == reader.task)
        times = [p.when for p in arch.periodic_of(reader.task)]
        when = f"beat {times[0]}" if times else "task"
        return f"{when}, {queue} queue", QUEUE_COLOURS.get(queue, INK)
    return "in the web request", ""


def _boxes(
    d: Drawing,
    y: float,
    arch: Architecture,
    steps: Sequence[tuple[ResolvedStep, Reader | None]],
    numbered: bool,
) -> tuple[float, list[float]]:
    """A row of equal boxes, joined by arrows when numbered; returns the row's height and each box's
    centre."""
    gap = 36
    box_w = (INNER - gap * (len(steps) - 1)) / len(steps)
    pad = 10
    inner = box_w - 2 * pad
    contents = [_step_lines(step, inner, str(i + 1) if numbered else "") for i, (step, _) in enumerate(steps)]
    badges = [_badge_text(step, arch, reader) for step, reader in steps]
    badge_lines = [wrap(text, inner - 12, 13, True) for text, _ in badges]

    def height(lines: list[tuple[str, float, bool, str, float]], badge: list[str]) -> float:
        return pad + len(badge) * 17 + 8 + sum(size * 1.3 + before for _, size, _, _, before in lines) + pad

    h = max(height(c, b) for c, b in zip(contents, badge_lines, strict=True))
    centres = []
    colours = [colour for _, colour in badges]
    for i, (lines, colour, blines) in enumerate(zip(contents, colours, badge_lines, strict=True)):
        x = MARGIN + i * (box_w + gap)
        centres.append(x + box_w / 2)
        fill = STEP_FILL if numbered else WHITE
        d.rect(x, y, box_w, h, fill=fill, stroke=INK)
        badge_h = len(blines) * 17 + 4
        if colour:
            d.rect(x + pad, y + pad, inner, badge_h, fill=colour)
            d.lines(
                x + pad + 6,
                y + pad + 15,
                blines,
                size=13,
                on=colour,
                colour=WHITE,
                bold=True,
                leading=17 / 13,
            )
        else:
            d.lines(
                x + pad, y + pad + 15, blines, size=13, on=fill, colour=SECONDARY, bold=True, leading=17 / 13
            )
        ty = y + pad + badge_h + 8
        for text, size, bold, colour_, before in lines:
            ty += before + size
            d.text(x + pad, ty, text, size=size, on=fill, colour=colour_, bold=bold)
            ty += size * 0.3
        if numbered and i < len(steps) - 1:
            d.arrow(x + box_w + 2, y + h / 2, x + box_w + gap - 2, y + h / 2)
    return h, centres


def draw_flow(d: Drawing, y: float, arch: Architecture) -> float:
    d.group("flow")
    y = _heading(
        d,
        y,
        "2. A monthly return, from upload to every figure",
        "Each step names the function that does it. Stored results are the only source of every figure: "
        "no page computes one.",
    )
    h, centres = _boxes(d, y, arch, [(s, None) for s in arch.steps], numbered=True)
    y += h
    d.arrow(centres[-1], y + 2, centres[-1], y + 30)
    y += 32
    model, path = arch.store
    store_text = (
        f"Stored results: {model} rows ({path}), append-only: a corrected figure is a new row, "
        "marked restated, and the old one stays visible."
    )
    lines = wrap(store_text, INNER - 24, 15, True)
    store_h = 16 + len(lines) * 20
    d.rect(MARGIN, y, INNER, store_h, fill=STORE_FILL, stroke=INK)
    d.lines(MARGIN + 12, y + 24, lines, size=15, on=STORE_FILL, bold=True, leading=20 / 15)
    y += store_h
    h, centres = _boxes(
        d, y + 32, arch, [(resolved, reader) for reader, resolved in arch.readers], numbered=False
    )
    for centre in centres:
        d.arrow(centre, y + 2, centre, y + 30)
    d.end()
    return y + 32 + h


# A line of a queue's column: text, size, bold, colour.
QueueLine = tuple[str, float, bool, str]


def draw_queues(d: Drawing, y: float, arch: Architecture) -> float:
    d.group("queues")
    total = sum(len(tasks) for _, tasks in arch.queues)
    y = _heading(
        d,
        y,
        "3. Celery queues and the tasks routed to each",
        f"{total} tasks on {len(arch.queues)} queues (CELERY_TASK_ROUTES in config/settings.py), each "
        "queue with its own workers, so a long run of one kind of work never holds up another. "
        "Each task is named as it is registered, with the file it lives in.",
    )
    gap = 14
    col_w = (INNER - gap * (len(arch.queues) - 1)) / len(arch.queues)
    pad = 10
    inner = col_w - 2 * pad
    columns: list[tuple[str, list[list[QueueLine]]]] = []
    for queue, tasks in arch.queues:
        items = []
        for task in tasks:
            lines: list[QueueLine] = [(line, 14, True, INK) for line in wrap(task.short, inner, 14, True)]
            lines += [(line, 13, False, SECONDARY) for line in wrap(task.path, inner, 13)]
            lines += [(f"beat: {p.when}", 13, False, INK) for p in arch.periodic_of(task.name)]
            items.append(lines)
        columns.append((queue, items))
    head_h = 52

    def column_height(items: list[list[QueueLine]]) -> float:
        return head_h + sum(8 + sum(size * 1.3 for _, size, _, _ in lines) + 8 for lines in items) + pad

    h = max(column_height(items) for _, items in columns)
    for i, (queue, items) in enumerate(columns):
        x = MARGIN + i * (col_w + gap)
        colour = QUEUE_COLOURS.get(queue, INK)
        d.rect(x, y, col_w, h, fill=WHITE, stroke=colour)
        d.rect(x, y, col_w, head_h, fill=colour)
        d.text(x + pad, y + 23, queue, size=18, on=colour, colour=WHITE, bold=True)
        count = len(items)
        d.text(x + pad, y + 42, f"{count} task{'s' if count != 1 else ''}", size=13, on=colour, colour=WHITE)
        ty = y + head_h
        for index, lines in enumerate(items):
            if index:
                d.rule(x + pad, ty, x + col_w - pad)
            ty += 8
            for text, size, bold, colour_ in lines:
                ty += size
                d.text(x + pad, ty, text, size=size, on=WHITE, colour=colour_, bold=bold)
                ty += size * 0.3
            ty += 8
    d.end()
    return y + h


def draw_periodic(d: Drawing, y: float, arch: Architecture) -> float:
    d.group("periodic")
    y = _heading(
        d,
        y,
        f"4. Periodic jobs (beat schedule, {arch.timezone})",
        f"{len(arch.periodic)} entries of CELERY_BEAT_SCHEDULE in config/settings.py, in the order they run "
        "through the day (a schedule set by an environment variable at its default). One beat process "
        "sends them; each runs once however many beats send it.",
    )
    queue_of = {t.name: t.queue for _, tasks in arch.queues for t in tasks}
    half = math.ceil(len(arch.periodic) / 2)
    gap = 24
    table_w = (INNER - gap) / 2
    widths = (0.30, 0.47, 0.23)
    row_h = 28
    for side in range(2):
        rows = arch.periodic[side * half : (side + 1) * half]
        x = MARGIN + side * (table_w + gap)
        d.rect(x, y, table_w, row_h, fill=PANEL)
        cx = x
        for heading, share in zip(("When", "Task", "Queue"), widths, strict=True):
            d.text(cx + 8, y + 19, heading, size=14, on=PANEL, bold=True)
            cx += table_w * share
        ty = y + row_h
        for p in rows:
            cx = x
            short = p.task.rsplit(".", 1)[-1]
            for value, share in zip((p.when, short, queue_of.get(p.task, "?")), widths, strict=True):
                shown = wrap(value, table_w * share - 12, 14)[0]
                d.text(cx + 8, ty + 19, shown, size=14, on=WHITE)
                cx += table_w * share
            ty += row_h
            d.rule(x, ty, x + table_w)
    d.end()
    return y + row_h * (half + 1)


def description(arch: Architecture) -> str:
    """The drawing in a few sentences, for the SVG's <desc>."""
    layers = "; ".join(
        f"{layer.name} ({', '.join(_chip_label(layer.name, p, arch.pure) for p in layer.packages) or 'no sub-packages'})"
        for layer in arch.layers
    )
    flow = "; then ".join(f"{s.title.lower()} ({s.function} in {s.path})" for s in arch.steps)
    readers = ", ".join(f"{reader.title.lower()} ({resolved.function})" for reader, resolved in arch.readers)
    queues = "; ".join(f"{queue}: {', '.join(t.short for t in tasks)}" for queue, tasks in arch.queues)
    periodic = "; ".join(f"{p.when}: {p.task.rsplit('.', 1)[-1]}" for p in arch.periodic)
    return (
        f"Layers, each importing only from those after it: {layers}. "
        f"A monthly return: {flow}. Stored results ({arch.store[0]}) are read by {readers}. "
        f"Celery queues and their tasks: {queues}. "
        f"Periodic jobs ({arch.timezone}): {periodic}. "
        "The same in tables: docs/architecture.md."
    )


def svg_draw(arch: Architecture) -> str:
    d = Drawing()
    d.text(
        MARGIN,
        40,
        "Homecare outcomes: apps, queues and the path of a monthly return",
        size=26,
        on=WHITE,
        bold=True,
    )
    d.text(
        MARGIN,
        66,
        f"Drawn from the code by {SCRIPT} ({REGENERATE}); do not edit by hand. "
        "The same in tables: docs/architecture.md.",
        size=14,
        on=WHITE,
        colour=SECONDARY,
    )
    y = 84.0
    for section in (draw_layers, draw_flow, draw_queues, draw_periodic):
        y = section(d, y + 24, arch)
    title = "Architecture of the homecare outcomes service: apps as layers, the flow of a monthly return, Celery queues and periodic jobs"
    return d.svg(y + MARGIN, title, description(arch))
