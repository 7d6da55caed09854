() => {
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const text = (el) => (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 60);
  const where = (cell) => {
    const table = cell.closest("table");
    const row = cell.closest("tr");
    const index = row ? [...row.children].indexOf(cell) : -1;
    const head = table && index >= 0 ? table.querySelectorAll("thead tr > *")[index] : null;
    return `[${head ? text(head) : "?"}] ${text(cell)}`;
  };
  const lines = (rects) => new Set([...rects].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
  const clipped = [];
  const broken = [];
  const cells = [...document.querySelectorAll("table th, table td")].filter(visible);
  for (const cell of cells) {
    for (const el of [cell, ...cell.querySelectorAll("*")]) {
      if (!visible(el) || el.tagName === "svg" || el.closest("svg")) continue;
      const hides = el === cell || getComputedStyle(el).overflowX !== "visible";
      if (hides && el.scrollWidth > el.clientWidth + 1) {
        clipped.push(`${where(cell)} (${el.scrollWidth} > ${el.clientWidth} px)`);
        break;
      }
    }
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement || !visible(node.parentElement)) continue;
      const re = /\S+/g;
      for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (lines(range.getClientRects()) > 1) broken.push(`${where(cell)}: "${m[0]}"`);
      }
    }
  }
  const ids = [...document.querySelectorAll("main code, [role=main] code, table code")].filter(visible);
  for (const code of ids) {
    if (lines(code.getClientRects()) > 1) broken.push(`code "${text(code)}"`);
  }
  const scrolled = [];
  for (const table of document.querySelectorAll("table")) {
    if (!visible(table)) continue;
    let box = table.parentElement;
    while (box && !["auto", "scroll", "hidden"].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
    if (box && box.scrollWidth > box.clientWidth + 1) {
      const head = [...table.querySelectorAll("thead th")].map((th) => `${text(th)} ${Math.round(th.getBoundingClientRect().width)}`);
      scrolled.push(`table [${head.join(" | ")}] ${box.scrollWidth} > ${box.clientWidth} px`);
    }
  }
  const page = document.documentElement;
  const pageScroll = page.scrollWidth - page.clientWidth;
  const sticking = [];
  if (pageScroll > 0) {
    for (const el of document.querySelectorAll("body *")) {
      if (el.getBoundingClientRect().right <= page.clientWidth + 1 || !visible(el)) continue;
      let box = el.parentElement;
      while (box && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
      if (box && box !== document.body && box !== page) continue;
      if ([...el.children].some((c) => c.getBoundingClientRect().right > page.clientWidth + 1)) continue;
      sticking.push(`${el.tagName.toLowerCase()}.${el.className} "${text(el).slice(0, 30)}"`);
      if (sticking.length >= 5) break;
    }
  }
  return { cells: cells.length, clipped, broken, scrolled, pageScroll, sticking };
}
