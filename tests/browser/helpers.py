"""Helpers for the browser tests: sign in, run axe, the checks axe does not make, and
keyboard-only movement. Reusable by other features' journeys (e.g. more ballot types)."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import AXE_JS, TAKE_SCREENSHOTS, LiveSite
from tests.security.world import EMAILS

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "our-tables-demo"  # noqa: S105 - the demo's password
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def new_context(browser, *, axe: bool = True, **kwargs):  # noqa: ANN001, ANN003, ANN201
    """A browser context with axe available on every page (injected by the browser, not the page,
    so CSP still applies); `axe=False` for a walk that reads the page itself (axe is half a
    megabyte of script for the browser to read on every page)."""
    kwargs.setdefault("locale", "en-GB")  # the browser's Accept-Language
    context = browser.new_context(timezone_id="Europe/London", **kwargs)
    if axe:
        context.add_init_script(path=AXE_JS)
    return context


def sign_in(page, site: LiveSite, role: str) -> None:  # noqa: ANN001
    """Sign in through the form, using only the keyboard."""
    if role == "anonymous":
        return
    page.goto(site.url + "/login")
    page.get_by_label("E-mail address").fill(EMAILS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/me")


# axe's rules for WCAG 2.2 A and AA, run with `options` (axe.run's own).
AXE_RUN = """async ([tags, options]) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], ...options});
    return result.violations.map(v => options.selectors === false ? v.id
        : `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
}"""
# axe 4.10 leaves its experimental rules out of a run by tags. These four are WCAG 2.2 A and AA
# rules (2.5.3; 1.3.1), so they are turned on by name. The fifth, css-orientation-lock (1.3.4),
# reads style sheets rather than the page: `style_sheets_lock_orientation` runs it by name.
EXPERIMENTAL = ["label-content-name-mismatch", "p-as-heading", "table-fake-caption", "td-has-header"]
# Neither run reads the page's style sheets into axe's own copy (`preload`): only
# css-orientation-lock needs that.
PLACED = {"preload": False, "rules": {rule: {"enabled": True} for rule in EXPERIMENTAL}}
FAST = {**PLACED, "selectors": False}


def axe_violations(page) -> list[str]:  # noqa: ANN001
    """WCAG 2.2 A and AA violations on the page, one line each.

    axe first runs without writing a CSS selector for each element it checks (about a sixth of
    its time), since a page that passes needs none; only when it finds a violation does it run
    again with them, to say where. The same rules on the same page find the same violations."""
    if not page.evaluate(AXE_RUN, [WCAG_TAGS, FAST]):
        return []
    return list(page.evaluate(AXE_RUN, [WCAG_TAGS, PLACED]))


def style_sheets_lock_orientation(page) -> list[str]:  # noqa: ANN001
    """axe's css-orientation-lock (WCAG 1.3.4, AA), run by name: whether the page's style sheets
    lock the display to portrait or landscape. It reads the style sheets, not the page's content,
    so a page per set of style sheets answers it."""
    return list(
        page.evaluate(
            """async () => {
                const result = await axe.run(document, {runOnly: {type: 'rule', values: ['css-orientation-lock']}});
                const undecided = result.incomplete.map(v => `${v.id}: undecided`);
                const ran = result.passes.length + result.violations.length + result.incomplete.length;
                return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}`)
                    .concat(undecided, ran ? [] : ['css-orientation-lock: not run (no style sheet read)']);
            }"""
        )
    )


EXTRA_CHECKS = """() => {
    const problems = [];
    const groups = new Map();
    for (const input of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
        if (!groups.has(input.name)) groups.set(input.name, []);
        groups.get(input.name).push(input);
    }
    for (const [name, inputs] of groups) {
        // A lone checkbox is a yes/no question answered by its own label.
        if (inputs.length === 1 && inputs[0].type === 'checkbox') continue;
        for (const input of inputs) {
            const fieldset = input.closest('fieldset');
            const legend = fieldset && fieldset.querySelector(':scope > legend');
            if (!legend || !legend.textContent.trim()) {
                problems.push(`the "${name}" choices are not in a fieldset with a legend`);
                break;
            }
        }
    }
    for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
        const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        if (!labelled) problems.push(`${el.name || el.id} has a placeholder as its only label`);
    }
    // css-orientation-lock is checked once for the site's style sheet (test_looks.py): it holds
    // for every page only while every page has that sheet and no other.
    for (const sheet of document.styleSheets) {
        const path = sheet.href ? new URL(sheet.href).pathname : 'a <style> element';
        if (!/^[/]static[/]site[.]([0-9a-f]+[.])?css$/.test(path)) problems.push(`a style sheet other than the site's: ${path}`);
    }
    return problems;
}"""


def extra_problems(page) -> list[str]:  # noqa: ANN001
    """Fieldsets and legends for choice groups; no placeholder-only labels; the site's style sheet only."""
    return list(page.evaluate(EXTRA_CHECKS))


def scrolls_sideways_at_320(page) -> bool:  # noqa: ANN001
    """True if the page needs horizontal scrolling at 320 CSS pixels wide (WCAG 1.4.10 reflow)."""
    page.set_viewport_size({"width": 320, "height": 800})
    wide = page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    page.set_viewport_size(DESKTOP)
    return bool(wide)


FOCUS_STYLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const look = () => {
        const s = getComputedStyle(el);
        return [s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 ? s.outlineStyle + s.outlineWidth + s.outlineColor : 'none',
                s.boxShadow, s.backgroundColor, s.color, s.borderColor, s.textDecorationLine].join('|');
    };
    const focused = look();
    el.blur();
    const blurred = look();
    el.focus({preventScroll: true});
    const label = (el.getAttribute('aria-label') || el.textContent || el.name || el.id || el.tagName).trim().slice(0, 60);
    return {label: el.tagName.toLowerCase() + ' ' + label, visible: focused !== blurred};
}"""


def tab_through_checking_focus(page, limit: int = 80) -> list[str]:  # noqa: ANN001
    """Press Tab through the page; every element that takes focus must look different when focused."""
    problems = []
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    seen = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STYLE)
        if state is None:
            break
        if state["label"] in seen:
            break
        seen.add(state["label"])
        if not state["visible"]:
            problems.append(f"no visible focus on {state['label']}")
    return problems


def focused_label(page) -> str:  # noqa: ANN001
    """The accessible-ish name of the focused element (its label, text or value)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el) return '';
            const labels = el.labels ? Array.from(el.labels).map(l => l.textContent).join(' ') : '';
            return (labels || el.getAttribute('aria-label') || el.textContent || el.value || '').replace(/\\s+/g, ' ').trim();
        }"""
    )


def focused_group(page) -> str:  # noqa: ANN001
    """The legend of the fieldset around the focused element: what a screen reader names a radio group by."""
    return page.evaluate(
        """() => {
            const fieldset = document.activeElement && document.activeElement.closest('fieldset');
            const legend = fieldset && fieldset.querySelector(':scope > legend');
            return legend ? legend.textContent.replace(/\\s+/g, ' ').trim() : '';
        }"""
    )


def tab_to(page, text: str, *, backwards: bool = False, limit: int = 120, by=focused_label) -> None:  # noqa: ANN001
    """Press Tab (or Shift+Tab) until the focused element's label (or what `by` reads) contains `text`.

    The element reached must show that it has focus: a keyboard user has to see where they are."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if text.lower() in by(page).lower():
            state = page.evaluate(FOCUS_STYLE)
            assert state and state["visible"], f"no visible focus on “{text}” on {page.url}"
            return
    heading = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
    raise AssertionError(f"could not reach “{text}” with {key} on {page.url} ({heading})")


def screenshot(page, name: str, folder: Path) -> None:  # noqa: ANN001
    """Full-page screenshots at phone and desktop widths, for a person to look at (when asked for:
    TAKE_SCREENSHOTS). The focus is let go and the page scrolled to its top either way."""
    if not TAKE_SCREENSHOTS:
        shot(page, folder, name)  # lets go of the focus and scrolls to the top, takes nothing
        return
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        shot(page, folder, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


PHONE_390 = {"width": 390, "height": 844}

# What a person sees that axe does not flag (issue 17).
LOOKS = """() => {
    const problems = [];
    const rgba = (text) => {
        const m = text.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return [0, 0, 0, 0];
        const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const lum = ([r, g, b]) => {
        const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    // The colour behind an element: the first ancestor (itself included) with a background, over white.
    const behind = (el) => {
        for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
            const c = rgba(getComputedStyle(node).backgroundColor);
            if (c[3] > 0.5) return c;
        }
        return [255, 255, 255, 1];
    };
    const shown = (el) => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return r.width > 2 && r.height > 2 && s.visibility !== 'hidden' && s.opacity !== '0';
    };
    const name = (el) => (el.textContent || el.value || '').replace(/\\s+/g, ' ').trim().slice(0, 50);
    // 1. Links and buttons whose text is the colour of what is behind them (white on white).
    for (const el of document.querySelectorAll('a[href], button, input[type=submit], input[type=button]')) {
        if (!shown(el) || !name(el)) continue;
        const fg = rgba(getComputedStyle(el).color), bg = behind(el);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        if ((a + 0.05) / (b + 0.05) < 1.5) problems.push(`"${name(el)}" (${el.tagName.toLowerCase()}) is the colour of what is behind it`);
    }
    // 2. Words broken in the middle inside a table cell: a word's letters on more than one line.
    let broken = 0;
    for (const cell of document.querySelectorAll('table td, table th')) {
        if (broken > 3 || !shown(cell)) continue;
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const re = /\\S+/g;
            let m;
            while ((m = re.exec(node.data))) {
                if (m[0].length < 2 || /[-\\/–—]/.test(m[0])) continue;  // a hyphen or slash may end a line
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
                if (tops.size > 1) { problems.push(`the word "${m[0]}" is broken across lines in a table`); broken++; }
            }
        }
    }
    // 3. Charts: every label at least 12 px on screen, inside the picture, and inside its box.
    for (const svg of document.querySelectorAll('svg.chart')) {
        if (!shown(svg)) continue;
        const frame = svg.getBoundingClientRect();
        const scale = svg.getScreenCTM() ? svg.getScreenCTM().a : 1;
        let box = null;
        for (const el of svg.querySelectorAll('rect.chart-node, text')) {
            if (el.tagName.toLowerCase() === 'rect') { box = el.getBoundingClientRect(); continue; }
            const r = el.getBoundingClientRect();
            const px = parseFloat(getComputedStyle(el).fontSize) * scale;
            const what = `chart "${svg.querySelector('title').textContent}" label "${el.textContent}"`;
            if (px < 12) problems.push(`${what} is ${px.toFixed(1)} px tall on screen`);
            if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1 || r.bottom > frame.bottom + 1)
                problems.push(`${what} is cut off at the edge of the picture`);
            if (el.classList.contains('chart-in-box') && box && (r.left < box.left - 1 || r.right > box.right + 1))
                problems.push(`${what} spills out of its box`);
        }
    }
    return problems;
}"""


def looks_problems(page) -> list[str]:  # noqa: ANN001
    """What a person sees that axe does not flag: invisible links, broken words in tables, unreadable charts."""
    return list(page.evaluate(LOOKS))


def scrolls_sideways(page) -> bool:  # noqa: ANN001
    """True if the page at its current size needs scrolling sideways."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"))


def shot(page, folder: Path, name: str) -> None:  # noqa: ANN001
    """A full-page screenshot at the page's current size (when asked for: TAKE_SCREENSHOTS). The
    focus is let go and the page scrolled to its top either way, so the checks after it see the same page."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    if not TAKE_SCREENSHOTS:
        return
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
