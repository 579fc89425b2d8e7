"""The page a person reaches by scanning a batch's QR code: plain HTML and inline CSS, readable
on a phone, with no script and nothing loaded from anywhere else."""

from html import escape
from typing import Any

# Inline styles only; nothing else may load.
CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

STYLE = """
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1d2421;background:#f6f7f4}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
.verdict{border-radius:.6rem;padding:.9rem 1rem;font-weight:600;font-size:1.1rem}
.ok{background:#d8f0dc;color:#0f5320;border:2px solid #2f8a45}
.bad{background:#fbe0dd;color:#8a1c12;border:2px solid #c0392b}
.verdict small{display:block;font-weight:400;font-size:.9rem;margin-top:.25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem .9rem;margin:0}
dt{color:#56605b}dd{margin:0;overflow-wrap:anywhere}
ol{padding-left:1.3rem;margin:0}li{margin:.35rem 0}
.muted{color:#56605b;font-size:.85rem}
code{font-size:.8rem;overflow-wrap:anywhere}
a{color:#0b5c8a}
"""

LABELS = {
    "created": "Registered",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
    "split": "Split into sub-lots",
    "transaction_recorded": "Anchored on a blockchain",
}


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _verdict(verification: dict[str, Any]) -> str:
    if verification["valid"]:
        detail = f"All {verification['length']} events of this batch's history check out."
        return f'<p class="verdict ok" id="verdict">✔ Verified<small>{escape(detail)}</small></p>'
    broken = verification["broken_at"] or {}
    if broken.get("seq") is not None:
        where = f"The chain breaks at event {broken['seq']} ({broken['reason']})."
    else:
        where = "A recorded transaction anchors no event of this history."
    return (
        f'<p class="verdict bad" id="verdict">✘ History altered<small>{escape(where)}</small></p>'
    )


def _facts(view: dict[str, Any]) -> str:
    origin = view["origin"]
    place = ", ".join(p for p in (origin["farm"], origin["region"], origin["country"]) if p)
    rows = [
        ("Product", view["product"] + (f" ({view['variety']})" if view["variety"] else "")),
        ("Origin", place),
        ("Harvested", view["harvest_date"]),
        ("Quantity", f"{view['quantity']} {view['unit']}"),
        ("Status", view["status"].replace("_", " ")),
        ("Batch code", view["code"]),
    ]
    if view["parent_code"]:
        rows.append(("Split from", view["parent_code"]))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return f'<dl id="facts">{items}</dl>'


def _timeline(view: dict[str, Any]) -> str:
    items = "".join(
        f"<li><strong>{escape(LABELS.get(e['type'], e['type']))}</strong> "
        f'<span class="muted">{escape(e["at"][:16].replace("T", " "))} UTC, by the '
        f"{escape(e['actor_role'])}</span></li>"
        for e in view["timeline"]
    )
    return f'<h2>History</h2><ol id="timeline">{items}</ol>'


def _transactions(view: dict[str, Any]) -> str:
    if not view["transactions"]:
        return ""
    items = []
    for t in view["transactions"]:
        label = f"{t['network']}: {t['tx_hash'][:10]}…{t['tx_hash'][-6:]}"
        link = (
            f'<a href="{escape(t["explorer_url"])}" rel="noreferrer">{escape(label)}</a>'
            if t["explorer_url"]
            else escape(label)
        )
        items.append(f'<li>{link} <span class="muted">({escape(t["status"])})</span></li>')
    return f'<h2>Blockchain records</h2><ol id="transactions">{"".join(items)}</ol>'


def render(view: dict[str, Any], api_path: str) -> str:
    """The page for the public view `view` (as the public API serves it)."""
    head = view["verification"]["head_hash"] or ""
    body = (
        f"<h1>{escape(view['product'])} · batch {escape(view['code'])}</h1>"
        + _verdict(view["verification"])
        + _facts(view)
        + _timeline(view)
        + _transactions(view)
        + f'<p class="muted">Latest history hash: <code>{escape(head)}</code><br>'
        f'Check it yourself: <a href="{escape(api_path)}">the record as JSON</a>.</p>'
    )
    return _page(f"{view['product']} {view['code']}: traceability", body)


def render_unknown() -> str:
    return _page(
        "Unknown batch code",
        "<h1>Unknown batch code</h1><p>No batch has this code. Check the code on the label.</p>",
    )
