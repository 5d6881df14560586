"""Layout checks of the generated pages in Chromium, run by scripts/browser-test.

    browser_layout_test.py OUT_DIR NAME=PAGE.html ...

For each page, at 1400 x 1000 and at 390 x 844 (a phone): the page is no wider than the window,
and at 1400 px no table outside a <details> is cut off (wider than the box it scrolls in).
Printed (print media at an A4 page's width): no table or figure is wider than the paper (the
operator table, which prints across a landscape page, against that width), every <details>
shows its content, and no "hover a bar" hint is shown. Full-page screenshots and a PDF of each
page are written to OUT_DIR/shots/ for a person to look at. Exits 1 listing every failure.
"""
import base64
import pathlib
import sys

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

WINDOWS = [(1400, 1000), (390, 844)]
# An A4 page less 12 mm margins at 96 px per inch: portrait and landscape.
PAPER, PAPER_ACROSS = 703, 1032

CLIPPED_TABLES = """
return Array.from(document.querySelectorAll('table'))
  .filter(t => !t.closest('details'))
  .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
  .map(t => `${t.id || 'a table'} is ${t.scrollWidth} px wide in a ${t.parentElement.clientWidth} px box`);
"""

PRINT_PROBLEMS = """
const paper = arguments[0], across = arguments[1], problems = [];
for (const e of document.querySelectorAll('table, figure, pre, dl.facts')) {
  const limit = e.closest('#every-operator') ? across : paper;
  const width = Math.max(e.scrollWidth, e.getBoundingClientRect().width);
  if (width > limit + 1) problems.push(`${e.tagName.toLowerCase()}#${e.id || '?'} is ${Math.round(width)} px wide on a ${limit} px page`);
}
for (const d of document.querySelectorAll('details')) {
  const content = Array.from(d.children).filter(c => c.tagName !== 'SUMMARY');
  if (content.some(c => c.getBoundingClientRect().height === 0)) problems.push(`a <details> (${d.querySelector('summary').textContent}) prints closed`);
}
for (const h of document.querySelectorAll('.hover-hint')) {
  if (getComputedStyle(h).display !== 'none') problems.push(`"${h.textContent.trim()}" prints`);
}
return problems;
"""


def main():
    out = pathlib.Path(sys.argv[1]) / "shots"
    out.mkdir(parents=True, exist_ok=True)
    pages = [argument.split("=", 1) for argument in sys.argv[2:]]
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    failures = []
    try:
        for name, path in pages:
            url = pathlib.Path(path).resolve().as_uri()
            for width, height in WINDOWS:
                driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                       {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
                driver.get(url)
                page_width = driver.execute_script("return document.documentElement.scrollWidth")
                if page_width > width:
                    failures.append(f"{name} at {width} px: the page is {page_width} px wide")
                if width == 1400:
                    failures += [f"{name} at 1400 px: {problem}" for problem in driver.execute_script(CLIPPED_TABLES)]
                full = driver.execute_script("return document.documentElement.scrollHeight")
                shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": min(full, 16000), "scale": 1}})
                (out / f"{name}-{width}.png").write_bytes(base64.b64decode(shot["data"]))
            # Printed: print media at the paper's width.
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": PAPER, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            driver.get(url)
            failures += [f"{name} printed: {problem}" for problem in driver.execute_script(PRINT_PROBLEMS, PAPER, PAPER_ACROSS)]
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            driver.get(url)
            pdf = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True})
            (out / f"{name}.pdf").write_bytes(base64.b64decode(pdf["data"]))
    finally:
        driver.quit()
    for failure in failures:
        print(f"browser test: {failure}", file=sys.stderr)
    print(f"browser test: {len(pages)} pages at {', '.join(f'{w} px' for w, _ in WINDOWS)} and printed: "
          + ("ok" if not failures else f"{len(failures)} problems") + f"; screenshots in {out}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
