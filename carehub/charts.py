"""Small SVG charts drawn on the server: the dashboard needs no script library
and nothing from outside the hub (a community centre's network may block it)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from html import escape

from markupsafe import Markup

from .config import LOCAL_TIME

MOOD_SCORES = {"good": 1.0, "neutral": 0.0, "bad": -1.0}
# Intents of ../shared/design/INTENTS.md that say how the resident feels.
MOOD_INTENTS = {"mood_good": "good", "mood_bad": "bad", "lonely": "bad", "despair": "bad"}

W, H, LEFT, BOTTOM, TOP = 640, 170, 44, 26, 12


def days_back(today: dt.date, count: int = 30) -> list[dt.date]:
    return [today - dt.timedelta(days=count - 1 - i) for i in range(count)]


def local_day(at: dt.datetime) -> dt.date:
    return at.astimezone(LOCAL_TIME).date()


def adherence(medication_events, days: list[dt.date]) -> list[float | None]:
    """Share of doses taken each day, of those that were taken or finally missed. A dose
    snoozed, stopped or interrupted is on its way to one of the two, or was the resident's
    choice, and counts for neither."""
    taken, due = defaultdict(int), defaultdict(int)
    for occurred_at, payload in medication_events:
        status = payload.get("status")
        if status in ("taken", "missed"):
            day = local_day(occurred_at)
            due[day] += 1
            taken[day] += status == "taken"
    return [taken[d] / due[d] if due[d] else None for d in days]


def checkin_mood(payload: dict) -> str | None:
    if payload.get("mood") in MOOD_SCORES:
        return payload["mood"]
    for answer in payload.get("answers", []):
        if answer.get("intent") in MOOD_INTENTS:
            return MOOD_INTENTS[answer["intent"]]
    return None


def mood(checkin_events, days: list[dt.date]) -> list[float | None]:
    """The day's mean mood from the check-in answers: 1 good, 0 so-so, -1 bad."""
    scores = defaultdict(list)
    for occurred_at, payload in checkin_events:
        value = checkin_mood(payload)
        if value:
            scores[local_day(occurred_at)].append(MOOD_SCORES[value])
    return [sum(scores[d]) / len(scores[d]) if scores[d] else None for d in days]


def _frame(title: str, days: list[dt.date], y_labels: list[tuple[float, str]], body: str, kind: str) -> Markup:
    plot_h = H - BOTTOM - TOP
    step = (W - LEFT - 8) / len(days)
    grid = "".join(
        f'<line x1="{LEFT}" x2="{W - 8}" y1="{TOP + plot_h * (1 - f):.1f}" y2="{TOP + plot_h * (1 - f):.1f}" '
        f'class="grid"/><text x="{LEFT - 6}" y="{TOP + plot_h * (1 - f) + 4:.1f}" text-anchor="end">{escape(t)}</text>'
        for f, t in y_labels)
    ticks = "".join(f'<text x="{LEFT + step * (i + 0.5):.1f}" y="{H - 8}" text-anchor="middle">'
                    f'{d.month}/{d.day}</text>' for i, d in enumerate(days) if i % 5 == 0 or i == len(days) - 1)
    return Markup(f'<svg class="chart" data-chart="{kind}" viewBox="0 0 {W} {H}" role="img" '
                  f'aria-label="{escape(title)}"><title>{escape(title)}</title>{grid}{ticks}{body}</svg>')


def adherence_chart(days: list[dt.date], values: list[float | None]) -> Markup:
    plot_h, step = H - BOTTOM - TOP, (W - LEFT - 8) / len(days)
    bars = []
    for i, (day, value) in enumerate(zip(days, values)):
        x = LEFT + step * i + step * 0.15
        if value is None:
            bars.append(f'<rect class="none" x="{x:.1f}" y="{TOP + plot_h - 2}" width="{step * 0.7:.1f}" height="2"/>')
            continue
        h = max(plot_h * value, 2)
        bars.append(f'<rect class="{"ok" if value >= 0.999 else "low"}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{step * 0.7:.1f}" height="{h:.1f}"><title>{day}: {value * 100:.0f}%</title></rect>')
    return _frame("복약 이행률 (최근 30일)", days, [(0, "0%"), (0.5, "50%"), (1, "100%")], "".join(bars), "medication")


def mood_chart(days: list[dt.date], values: list[float | None]) -> Markup:
    plot_h, step = H - BOTTOM - TOP, (W - LEFT - 8) / len(days)
    points = [(LEFT + step * (i + 0.5), TOP + plot_h * (1 - (v + 1) / 2), day, v)
              for i, (day, v) in enumerate(zip(days, values)) if v is not None]
    line = (f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in points)}"/>'
            if len(points) > 1 else "")
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>{d}: {v:+.1f}</title></circle>'
                   for x, y, d, v in points)
    return _frame("기분 (최근 30일)", days, [(0, "나쁨"), (0.5, "보통"), (1, "좋음")], line + dots, "mood")
