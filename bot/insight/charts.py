"""The insight page's charts: bar charts drawn with matplotlib from counts, small ones hidden."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Dict, Optional, Sequence, Text

from bot.insight.daily import SMALLEST_SHOWN, shown


def chart(
    title: Text, labels: Sequence[Text], counts: Sequence[int], *, by_day: bool = False
) -> Dict[Text, Text]:
    """Returns a bar chart as a PNG data address, and its text alternative.

    Bars lie along the page, one a row, except ``by_day``: one a day, upright.

    A count under 5 is drawn as no bar, labelled "fewer than 5", so the chart
    tells no more than the table does.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display: drawn to a file in memory
    from matplotlib import pyplot

    drawn = [count if count >= SMALLEST_SHOWN else 0 for count in counts]
    size = (9, 3.2) if by_day else (8, 0.45 * max(len(labels), 2) + 1.2)
    figure, axis = pyplot.subplots(figsize=size, dpi=90)
    try:
        positions = list(range(len(labels)))
        top = max(drawn + [SMALLEST_SHOWN]) * 1.25
        if by_day:
            axis.bar(positions, drawn, color="#1d5b8f")
            step = max(1, len(labels) // 10)
            axis.set_xticks(positions[::step])
            axis.set_xticklabels(labels[::step])
            axis.set_ylim(0, top)
            axis.set_ylabel(f"conversations (a day under {SMALLEST_SHOWN} shows no bar)")
        else:
            axis.barh(positions, drawn, color="#1d5b8f")
            axis.set_yticks(positions)
            axis.set_yticklabels(labels)
            axis.invert_yaxis()
            for position, count in zip(positions, counts, strict=True):
                axis.annotate(
                    str(shown(count)),
                    (drawn[position], position),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                )
            axis.set_xlim(0, top)
        axis.set_title(title, loc="left")
        axis.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        image = io.BytesIO()
        figure.savefig(image, format="png")
    finally:
        pyplot.close(figure)
    described = "; ".join(
        f"{label}: {shown(count)}" for label, count in zip(labels, counts, strict=True)
    )
    return {
        "src": "data:image/png;base64," + base64.b64encode(image.getvalue()).decode("ascii"),
        "alt": f"{title}. {described or 'nothing counted yet'}.",
    }


def daily_chart(days: Sequence[dt.date], counts: Sequence[int]) -> Optional[Dict[Text, Text]]:
    """Returns conversations started per day, as a bar chart over the period."""
    if not days:
        return None
    labels = [day.strftime("%d %b") for day in days]
    return chart("Conversations started, day by day", labels, counts, by_day=True)
