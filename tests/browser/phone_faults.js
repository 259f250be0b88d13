(cuePx) => {
  // The phone check of checks.py (phone_faults, where the rules are explained):
  // table text cut off without a visible scroll, and words broken inside.
  const faults = [], seen = new Set();
  const fault = (key, text) => {
    if (!seen.has(key)) { seen.add(key); faults.push(text); }
  };
  const describe = e => {
    const cls = typeof e.className === 'string' && e.className.trim() ?
      '.' + e.className.trim().split(/\s+/).slice(0, 3).join('.') : '';
    const label = e.closest('[data-testid]');
    return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + cls +
      (label ? ` in [data-testid=${label.dataset.testid}]` : '');
  };
  const styles = new Map();
  const css = e => {
    let s = styles.get(e);
    if (!s) { s = getComputedStyle(e); styles.set(e, s); }
    return s;
  };
  const shown = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  // Visually hidden (read out, not drawn): a clip rectangle or a 1 px box.
  const unseen = e => css(e).clip !== 'auto' ||
    (css(e).position === 'absolute' && e.clientWidth <= 1);
  const hasCue = s => s.backgroundAttachment.includes('local') &&
    s.backgroundImage.includes('gradient');
  const range = document.createRange();
  const textOf = e => e.innerText.trim().replace(/\s+/g, ' ').slice(0, 40);

  // How far a box's content reaches sideways: its text and its controls, not
  // what is hidden or visually hidden in it. Null when nothing is drawn.
  const CONTROLS = 'input, select, textarea, button, img, svg';
  const reach = root => {
    let left = Infinity, right = -Infinity;
    const add = r => {
      if (r.width > 0 && r.height > 0) {
        left = Math.min(left, r.left); right = Math.max(right, r.right);
      }
    };
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT |
      NodeFilter.SHOW_TEXT, {acceptNode: n => {
        if (n.nodeType === Node.TEXT_NODE) {
          return /\S/.test(n.data) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
        }
        if (css(n).display === 'contents') return NodeFilter.FILTER_SKIP;
        if (n !== root && (unseen(n) || !shown(n))) return NodeFilter.FILTER_REJECT;
        if (n.matches(CONTROLS)) { add(n.getBoundingClientRect()); return NodeFilter.FILTER_REJECT; }
        return NodeFilter.FILTER_SKIP;
      }});
    for (let node; (node = walker.nextNode());) {
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) add(r);
    }
    return right > left ? {left, right} : null;
  };
  const inside = a => {
    const left = a.getBoundingClientRect().left + a.clientLeft;
    return {left, right: left + a.clientWidth};
  };

  // 1. Cells whose content reaches past a box that clips it sideways.
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.firstChild || !shown(cell)) continue;
    const content = reach(cell);
    if (!content) continue;
    for (let a = cell; a && a !== document.body; a = a.parentElement) {
      const s = css(a);
      if (s.overflowX === 'visible') continue;
      if (unseen(a)) break;
      const box = inside(a);
      const pastRight = content.right - box.right, pastLeft = box.left - content.left;
      if (pastRight <= 1 && pastLeft <= 1) continue;
      const text = textOf(cell);
      if (s.overflowX === 'auto' || s.overflowX === 'scroll') {
        if (!hasCue(s)) {
          fault(a, `${describe(a)} scrolls sideways with no cue, hiding '${text}'`);
        } else {
          const hiddenRight = a.scrollWidth - a.clientWidth - a.scrollLeft;
          for (const hidden of [hiddenRight, a.scrollLeft]) {
            if (hidden > 1 && hidden < cuePx) {
              fault(a, `${describe(a)} hides ${Math.round(hidden)} px of '${text}': ` +
                'too little for its scroll cue to show');
            }
          }
        }
      } else if (s.textOverflow !== 'ellipsis') {
        const cut = Math.round(Math.max(pastRight, pastLeft));
        fault(a, `'${text}' is cut by ${cut} px inside ${describe(a)}`);
      }
      break;  // the innermost box that clips it is the one to blame
    }
  }

  // 1b. Any other box that hides part of its own text (a badge squeezed in a
  // flex row, a button narrower than its label).
  for (const e of document.body.getElementsByTagName('*')) {
    if (e.scrollWidth <= e.clientWidth + 1 || e.tagName === 'TD' || e.tagName === 'TH') continue;
    const s = css(e);
    if ((s.overflowX !== 'hidden' && s.overflowX !== 'clip') || s.textOverflow === 'ellipsis') continue;
    if (unseen(e) || !shown(e)) continue;
    const content = reach(e);
    if (!content) continue;
    const box = inside(e);
    const cut = Math.max(content.right - box.right, box.left - content.left);
    if (cut > 1) fault(e, `'${textOf(e)}' is cut by ${Math.round(cut)} px inside ${describe(e)}`);
  }

  // 2. Words whose pieces lie on different lines though the word would fit.
  const words = new Intl.Segmenter(undefined, {granularity: 'word'});
  // The width a text has: its nearest box that is not inline nor part of a table,
  // less, for text right inside a flex row (a stacked cell), its label (::before,
  // ::after) and the gap beside it.
  const room = e => {
    for (let a = e; a && a !== document.documentElement; a = a.parentElement) {
      const s = css(a);
      if (/^(inline|table|ruby)/.test(s.display) || s.display === 'contents') continue;
      let width = a.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      if (a === e && s.display.endsWith('flex') && !s.flexDirection.startsWith('column')) {
        for (const pseudo of ['::before', '::after']) {
          const p = getComputedStyle(a, pseudo);
          if (p.content !== 'none' && p.display !== 'none' && p.width.endsWith('px')) {
            width -= parseFloat(p.width) + (parseFloat(s.columnGap) || 0);
          }
        }
      }
      return {box: a, width};
    }
    return {box: document.body, width: document.documentElement.clientWidth};
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const parent = node.parentElement;
    if (!parent || !/\S\S/.test(node.data)) continue;
    if (parent.closest('script, style, template, textarea, select')) continue;
    range.selectNodeContents(node);
    if (range.getClientRects().length < 2) continue;  // on one line: nothing broken
    for (const word of words.segment(node.data)) {
      if (!word.isWordLike || word.segment.length < 2) continue;
      if (/[\u00ad\u200b]/.test(word.segment)) continue;  // a deliberate break
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word.segment.length);
      const pieces = [...range.getClientRects()].filter(r => r.width > 0.5);
      if (!pieces.some(r => r.top >= pieces[0].bottom - 2)) continue;  // one line
      const width = pieces.reduce((sum, r) => sum + r.width, 0);
      const space = room(parent);
      if (width <= space.width + 1) {
        fault(parent.tagName + ' ' + word.segment,
          `'${word.segment}' is broken across lines in ${describe(parent)} ` +
          `(it is ${Math.round(width)} px wide; ${describe(space.box)} has ` +
          `${Math.round(space.width)} px)`);
      }
    }
  }
  return faults.slice(0, 8);
}
