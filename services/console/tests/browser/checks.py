"""What every console page is checked for in the browser: accessibility (axe-core and our own rules) and
its look, against a committed screenshot.

Screenshots. A pixel-exact comparison would be flaky across machines (Chromium builds anti-alias text a
little differently) and across days (the seeded council's dates are relative to today). So the console
serves its own font (Inter, never a system font), the test data has the same shape every day, and a
screenshot is compared with its baseline as a coarse grey-level grid: the page's height must be within
20% of the baseline's, and after scaling to the baseline's size, the mean difference over 16x16-pixel
cells must stay under ``MAX_MEAN`` and few cells may differ a lot. That passes a changed date or a
re-wrapped line, and fails a missing stylesheet, a lost header, a broken layout or a chart that is not
drawn (a test renders a page without its stylesheet to prove the comparison can fail).

Refresh the baselines after a deliberate change of look:
    HOMECARE_REFRESH_SCREENSHOTS=1 .venv/bin/pytest services/console/tests/browser
then look at the PNGs in services/console/tests/browser/baselines/ and commit them. Refreshing skips the comparisons.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

BASELINES = Path(__file__).parent / "baselines"
REFRESH = os.environ.get("HOMECARE_REFRESH_SCREENSHOTS") == "1"
CELL = 16
MAX_HEIGHT_RATIO = 1.2
MAX_MEAN = 6.0
MAX_FAR_CELLS = 0.04
FAR = 64
AXE = (files("axe_playwright_python") / "axe.min.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@dataclass(frozen=True)
class Difference:
    """How far a screenshot is from its baseline."""

    height_ratio: float
    mean: float
    far_cells: float

    @property
    def close(self) -> bool:
        """Whether the screenshot passes for its baseline."""
        ratio_ok = 1 / MAX_HEIGHT_RATIO <= self.height_ratio <= MAX_HEIGHT_RATIO
        return ratio_ok and self.mean <= MAX_MEAN and self.far_cells <= MAX_FAR_CELLS


def difference(actual: Image.Image, baseline: Image.Image) -> Difference:
    """Compare two screenshots on a grid of CELL-pixel cells of grey levels."""
    grid = (max(1, baseline.width // CELL), max(1, baseline.height // CELL))
    a = actual.convert("L").resize(grid, Image.Resampling.BOX)
    b = baseline.convert("L").resize(grid, Image.Resampling.BOX)
    diff = ImageChops.difference(a, b)
    far = sum(diff.histogram()[FAR + 1 :]) / (grid[0] * grid[1])
    return Difference(actual.height / baseline.height, ImageStat.Stat(diff).mean[0], far)


async def screenshot(page: Any) -> Image.Image:
    """The whole page once its fonts are in, without caret or animation."""
    await page.evaluate("document.fonts.ready.then(() => true)")
    png = await page.screenshot(full_page=True, animations="disabled", caret="hide")
    return Image.open(io.BytesIO(png))


async def looks_as_before(page: Any, name: str) -> None:
    """Compare the page with its baseline (or write the baseline when refreshing)."""
    shot = await screenshot(page)
    path = BASELINES / f"{name}.png"
    if REFRESH:
        BASELINES.mkdir(exist_ok=True)
        shot.save(path, optimize=True)
        return
    assert path.exists(), f"no baseline {path.name}: run with HOMECARE_REFRESH_SCREENSHOTS=1 and commit it"
    found = difference(shot, Image.open(path))
    if not found.close:
        shot.save(Path(os.environ.get("TMPDIR", "/tmp")) / f"console-{name}-actual.png")
    assert found.close, f"{name} looks different from its baseline: {found}"


OWN_RULES = """() => {
  const problems = [];
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]);
  if (headings.filter(l => l === 1).length !== 1) problems.push('not exactly one h1');
  headings.forEach((level, i) => {
    if (i > 0 && level > headings[i - 1] + 1) problems.push('heading level skipped to h' + level);
  });
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const label = el.id && document.querySelector('label[for="' + el.id + '"]');
    if (!label || !label.textContent.trim()) problems.push('no label for ' + (el.id || el.name));
  }
  const first = document.querySelector('a, button, input, select, textarea');
  if (!first || !first.classList.contains('skip-link') || first.getAttribute('href') !== '#main-content') {
    problems.push('skip link is not first');
  }
  if (!document.querySelector('main#main-content')) problems.push('no main#main-content');
  for (const tag of document.querySelectorAll('.tag')) if (!tag.textContent.trim()) problems.push('a tag with no text');
  for (const svg of document.querySelectorAll('svg.chart')) {
    const named = svg.getAttribute('role') === 'img' && svg.querySelector('title') && svg.querySelector('desc');
    if (!named) problems.push('chart without text');
  }
  return problems;
}"""


async def accessible(page: Any) -> None:
    """axe-core finds no violation (WCAG 2.2 AA and best practice), and our own rules hold."""
    assert await page.evaluate(OWN_RULES) == [], page.url
    await page.evaluate(AXE)
    result = await page.evaluate("opts => axe.run(document, opts)", {"runOnly": {"type": "tag", "values": AXE_TAGS}})
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert found == [], f"{page.url}: {found}"


async def check_page(page: Any, name: str) -> None:
    """Accessibility and look of the page the browser is on."""
    await accessible(page)
    await looks_as_before(page, name)


def refreshing() -> None:
    """Skip a comparison that cannot run while baselines are being written."""
    if REFRESH:
        pytest.skip("refreshing screenshot baselines")
