"""headless_page.py: what the web-page tests share — load a page in headless Chromium (DOM after its scripts ran) and read elements out of the dumped DOM."""
import html
import re
import shutil
import subprocess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def load(url, profile, budget=15000, timeout=120):
    """DOM after the page's scripts ran (virtual time `budget` ms waits for its fetches), and console lines."""
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                        "--virtual-time-budget=%d" % budget, "--dump-dom", url],
                       capture_output=True, text=True, timeout=timeout)
    console = [line for line in p.stderr.splitlines() if ":CONSOLE" in line]
    return p.stdout, console


def element_html(dom, ident):
    """Inner HTML of the element with that id (None if absent)."""
    m = re.search(r'<(\w+)[^>]*\bid="%s"[^>]*>(.*?)</\1>' % re.escape(ident), dom, re.S)
    return m.group(2) if m else None


def text(fragment):
    """The text of an HTML fragment: tags become spaces, entities are decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment or ""))


def element(dom, ident):
    """Text of the element with that id (None if absent)."""
    inner = element_html(dom, ident)
    return None if inner is None else text(inner)


def attr(dom, ident, name):
    """Value of attribute `name` on the element with that id (None if absent)."""
    m = re.search(r'id="%s"[^>]*\b%s="([^"]*)"' % (re.escape(ident), name), dom)
    return m.group(1) if m else None
