// Draws only the rows of a scrolling table that are in view (and a few either side), with a
// spacer row above and below standing in for the rest: 5,000 machines cost the page the DOM of
// the forty on screen, and scrolling builds a handful of rows per frame. Every row is one line
// of the same height (style.css); the height is measured from the first row drawn.
import { el } from './dom.js';

const OVERSCAN = 12;

function spacer(columns) {
  const td = el('td', { colspan: columns });
  return { tr: el('tr', { class: 'spacer', 'aria-hidden': 'true' }, td), td };
}

export class VirtualRows {
  // build(row) makes a row's <tr>; update(row, tr) brings a kept one up to date (selection).
  constructor(scroller, tbody, columns, build, update) {
    this.scroller = scroller;
    this.tbody = tbody;
    this.build = build;
    this.update = update;
    this.rows = [];
    this.signature = () => '';
    this.cache = new Map(); // id -> { tr, sig } of the rows drawn
    this.rowHeight = 29;
    this.top = spacer(columns);
    this.bottom = spacer(columns);
    this.frame = 0;
    this.first = 0; // the index range drawn, [first, last)
    this.last = 0;
    this.onScroll = () => {
      if (!this.frame) {
        this.frame = requestAnimationFrame(() => {
          this.frame = 0;
          this.paint();
        });
      }
    };
    scroller.addEventListener('scroll', this.onScroll, { passive: true });
    window.addEventListener('resize', this.onScroll);
  }

  setRows(rows, signature) {
    this.rows = rows;
    this.signature = signature;
    this.paint();
  }

  detach() {
    this.scroller.removeEventListener('scroll', this.onScroll);
    window.removeEventListener('resize', this.onScroll);
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  // The index range in view: from the scroll offset past the table's header.
  range() {
    const head = this.tbody.parentElement.tHead;
    const headHeight = head ? head.offsetHeight : 0;
    const h = this.rowHeight;
    const view = this.scroller.clientHeight || window.innerHeight;
    const count = Math.ceil(view / h) + 2 * OVERSCAN;
    // Past the end (the filters just took rows away, the browser has not clamped the scroll
    // yet): the last screenful, which the clamp's scroll event then corrects.
    let first = Math.max(0, Math.floor((this.scroller.scrollTop - headHeight) / h) - OVERSCAN);
    first = Math.min(first, Math.max(0, this.rows.length - count));
    return [first, Math.min(this.rows.length, first + count)];
  }

  paint() {
    const [first, last] = this.range();
    const cache = new Map();
    const trs = [];
    for (let i = first; i < last; i += 1) {
      const r = this.rows[i];
      const sig = this.signature(r);
      let entry = this.cache.get(r.id);
      if (!entry || entry.sig !== sig) entry = { tr: this.build(r), sig };
      entry.tr.setAttribute('aria-rowindex', String(i + 2)); // the header is row 1
      this.update(r, entry.tr);
      cache.set(r.id, entry);
      trs.push(entry.tr);
    }
    this.cache = cache;
    this.first = first;
    this.last = last;
    this.top.td.style.height = `${first * this.rowHeight}px`;
    this.bottom.td.style.height = `${(this.rows.length - last) * this.rowHeight}px`;
    this.place([this.top.tr, ...trs, this.bottom.tr]);
    this.measure(trs);
  }

  // Puts `wanted` in the body, leaving rows that stay where they are (a row moved loses the
  // keyboard focus inside it): first in what is new, then out what goes. Not the other way
  // round: removing the row that holds the focus makes Chromium lay the page out there and then
  // (focus fix-up), and with the old rows half gone and the top spacer already grown the table
  // was shorter than the scroll offset, so Chromium clamped the scroll for good (a dozen rows
  // short of the end when scrolled there with a row focused). In first, the table is never
  // shorter than it will be.
  place(wanted) {
    const keep = new Set(wanted);
    const skip = (node) => {
      let n = node;
      while (n && !keep.has(n)) n = n.nextSibling;
      return n;
    };
    let cursor = skip(this.tbody.firstChild);
    for (const node of wanted) {
      if (cursor === node) {
        cursor = skip(cursor.nextSibling);
      } else {
        this.tbody.insertBefore(node, cursor);
      }
    }
    for (const child of [...this.tbody.children]) if (!keep.has(child)) child.remove();
  }

  // The <tr> of row `index`, drawn now if it was not: scrolled to the edge of the view it is
  // nearest, then painted at once (not on the next frame), so that the keyboard can move the
  // focus into it in the same event. Null past either end.
  rowAt(index) {
    if (index < 0 || index >= this.rows.length) return null;
    if (index < this.first || index >= this.last) {
      const head = this.tbody.parentElement.tHead;
      const headHeight = head ? head.offsetHeight : 0;
      const view = this.scroller.clientHeight || window.innerHeight;
      const rowTop = headHeight + index * this.rowHeight;
      this.scroller.scrollTop = index < this.first
        ? rowTop - headHeight
        : rowTop + this.rowHeight - view;
      this.paint();
    }
    const entry = this.cache.get(this.rows[index].id);
    return entry ? entry.tr : null;
  }

  measure(trs) {
    if (!trs.length) return;
    const h = trs[0].getBoundingClientRect().height;
    if (h > 0 && Math.abs(h - this.rowHeight) > 0.5) {
      this.rowHeight = h;
      this.paint();
    }
  }
}
