"""What every page must pass in a real browser: no serious or critical
accessibility violation (axe-core, vendored under tests/vendor/), nothing wider
than the window at a laptop's and a phone's width, and nothing the
Content-Security-Policy refused (an inline script, style or event attribute, an
eval) on this page or any the test saw since it logged in. And the one step every
browser test starts with, `log_in`.

`look_at(page, name)` runs the checks at 1366 and 390 px and, when the
SCREENSHOTS_DIR variable is set (`make screenshots`), keeps a picture at each width.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = ((1366, 900), (390, 844))  # a laptop, a phone
BLOCKING_IMPACTS = ("serious", "critical")

# Elements wider than the window, named so a failure says where to look.
_TOO_WIDE = """() => {
  const limit = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= limit) return [];
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > limit + 1)
    .filter(e => getComputedStyle(e).position !== 'fixed')
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.className && typeof e.className === 'string' ?
               '.' + e.className.trim().split(/\\s+/).join('.') : ''));
}"""


# On a phone: table text cut off, and words broken inside (issue 19, "AS OF DAT",
# "AchieveI t"). One pass over the page's cells, its boxes that clip, and its
# multi-line text nodes (phone_faults.js).
#
# Cut: a cell's content (its text and controls, not what is visually hidden in
# it) reaches past an ancestor that clips sideways; or any other box with
# overflow hidden hides part of its own text (a badge squeezed in a flex row).
# Clipping with overflow hidden or clip is a cut, except in something visually
# hidden (a 1 px box or a clip rectangle: read out, not shown) or ending in an
# ellipsis. A scroll container is fine only with the scroll cue (a background
# attached 'local' with gradients: the edge shadows of .table-responsive in
# portal.css), and only when what it hides on a side is none or at least
# CUE_PX: the cue's cover is 2.5rem wide, so a table a few pixels too wide shows
# no shadow, just a cut.
#
# Broken word: a word (Intl.Segmenter's words: 'AchieveIt', 'sales_week_2026';
# 'SALES-Q4-01' is three, so a break after its hyphen is allowed) whose pieces
# lie on different lines, although the whole word fits in the width its text
# has: the nearest box that is not inline and not part of a table (a cell that
# break-all or overflow-wrap:anywhere shrank is no excuse; a file name wider
# than its whole card may break), less the label beside text right inside a
# flex row (a stacked cell's data-label). A break at a soft hyphen or zero-width
# space is deliberate. Known blind spot: a flex item shrunk by the same rules
# counts as the room it was given.
CUE_PX = 32
_PHONE_FAULTS = Path(__file__).resolve().parent / "phone_faults.js"


def phone_faults(page: Any) -> list[str]:
    """Table text cut off without a visible scroll, and words broken inside, as
    found on the page at its current width (empty when none)."""
    return page.evaluate(_PHONE_FAULTS.read_text(encoding="utf-8"), CUE_PX)


def accessibility_violations(page: Any) -> list[str]:
    """The serious and critical axe-core violations on the page, one line each."""
    # Evaluated through the DevTools protocol, which the page's policy does not
    # govern (a <script> tag of it would be refused as inline script).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def _is_refusal(text: str) -> bool:
    return "Content Security Policy" in text


def watch_policy(page: Any) -> None:
    """From now on, keep every refusal of the Content-Security-Policy in this tab
    (the browser's own console list starts again at each page)."""
    if hasattr(page, "policy_refusals"):
        return
    page.policy_refusals = []
    page.on(
        "console",
        lambda message: (
            page.policy_refusals.append(message.text)
            if _is_refusal(message.text)
            else None
        ),
    )


def policy_violations(page: Any) -> list[str]:
    """What the browser refused under the Content-Security-Policy: on this page,
    and on every page since `log_in` (or `watch_policy`)."""
    refused = list(getattr(page, "policy_refusals", []))
    for message in page.console_messages():
        if _is_refusal(message.text) and message.text not in refused:
            refused.append(message.text)
    return refused


def too_wide(page: Any) -> list[str]:
    """Elements that stick out of the window (empty when the page fits)."""
    return page.evaluate(_TOO_WIDE)


def look_at(page: Any, name: str) -> None:
    """Check the page as it is now at both widths; keep screenshots if asked."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(50)  # let the layout settle at the new width
        if folder:  # kept before the checks: a failing page can be looked at
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
        wide = too_wide(page)
        assert not wide, f"{name} is wider than {width} px: {', '.join(wide)}"
        if width < 768:  # where tables stack or scroll
            faults = phone_faults(page)
            assert not faults, f"{name} at {width} px: " + "; ".join(faults)
    violations = accessibility_violations(page)
    assert not violations, f"{name} has accessibility problems: " + "; ".join(
        violations
    )
    refused = policy_violations(page)
    assert not refused, f"{name} broke the Content-Security-Policy: " + "; ".join(
        refused
    )


def log_in(page: Any, username: str, password: str = "", *, then: str = "") -> None:
    """Log in through the login page (the named users' password is
    '<username>-pass-1'), landing on `then` when given, else on the dashboard."""
    watch_policy(page)
    page.goto("/accounts/login/" + (f"?next={then}" if then else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or f"{username}-pass-1")
    page.click("main button[type=submit]")
    if then:
        page.wait_for_url(f"**{then}")
    else:
        page.wait_for_selector("[data-testid=current-user]")
