"""The chart of `just bench-scale`: one small panel per hot read, latency (ms) against the
number of lots, the median as a solid line and P99 as a dashed one. Plain SVG, no library."""

from html import escape
from typing import Any

COLUMNS, WIDTH, HEIGHT = 4, 230, 150
LEFT, RIGHT, TOP, BOTTOM = 42, 10, 30, 28


def _lots(size: str) -> str:
    n = int(size)
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k" if n >= 1000 else str(n)


def _panel(name: str, sizes: list[str], medians: list[float], p99s: list[float]) -> list[str]:
    top = max([*p99s, *medians, 0.001]) * 1.1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(sizes) - 1)

    def point(i: int, value: float) -> str:
        return f"{LEFT + i * step:.1f},{TOP + inner_h - value / top * inner_h:.1f}"

    out = [
        f'<text x="{WIDTH / 2}" y="14" text-anchor="middle" font-weight="bold">'
        f"{escape(name)}</text>",
        f'<line x1="{LEFT}" y1="{TOP + inner_h}" x2="{WIDTH - RIGHT}" y2="{TOP + inner_h}" '
        'stroke="#888"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + inner_h}" stroke="#888"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top:.2f}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + inner_h}" text-anchor="end">0 ms</text>',
    ]
    for i, size in enumerate(sizes):
        x = LEFT + i * step
        out.append(f'<text x="{x:.1f}" y="{HEIGHT - 12}" text-anchor="middle">{_lots(size)}</text>')
    for values, style in ((p99s, 'stroke-dasharray="4 3" stroke="#c0392b"'),
                          (medians, 'stroke="#2471a3"')):  # fmt: skip
        points = " ".join(point(i, v) for i, v in enumerate(values))
        out.append(f'<polyline points="{points}" fill="none" stroke-width="2" {style}/>')
    return out


def chart(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    names = list(result["runs"][sizes[0]]["reads"])
    rows = -(-len(names) // COLUMNS)
    width, height = COLUMNS * WIDTH, rows * HEIGHT + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="8" y="18" font-size="12">Hot reads: latency against lots '
        '(sizes evenly spaced; <tspan fill="#2471a3">median, solid</tspan>; '
        '<tspan fill="#c0392b">P99, dashed</tspan>; each panel its own scale)</text>',
    ]
    for k, name in enumerate(names):
        reads = [result["runs"][size]["reads"][name] for size in sizes]
        x, y = (k % COLUMNS) * WIDTH, (k // COLUMNS) * HEIGHT + 30
        parts.append(f'<g transform="translate({x},{y})">')
        parts += _panel(name, sizes, [r["median_ms"] for r in reads], [r["p99_ms"] for r in reads])
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
