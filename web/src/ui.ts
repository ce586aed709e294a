// Tiny DOM helpers: h() builds elements; formatting of times, durations and counts; a copy button.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, any>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'value') {
      (el as any).value = v;
    } else if (k === 'checked') {
      (el as any).checked = !!v;
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function fmtTime(ms: number): string {
  if (!ms) return '—';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function fmtLag(ms: number): string {
  if (!ms) return '0 s';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7200000) return `${Math.round(ms / 60000)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

// A changefeed counts as lagging when its checkpoint trails the source by this much.
export const LAG_WARN_MS = 30000;

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtRate(r: number): string {
  if (r >= 100) return Math.round(r).toLocaleString('en-US');
  if (r >= 10) return r.toFixed(1);
  return r.toFixed(r === 0 ? 0 : 2);
}

// A button that copies `text()` to the clipboard (falls back to selecting `target`).
export function copyButton(text: () => string, testid: string, target?: HTMLElement): HTMLButtonElement {
  const b = h('button', { class: 'copy', type: 'button', 'data-testid': testid }, 'Copy');
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      b.textContent = 'Copied';
    } catch {
      if (target) {
        const range = document.createRange();
        range.selectNodeContents(target);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
      }
      b.textContent = 'Selected — press Ctrl+C';
    }
    window.setTimeout(() => (b.textContent = 'Copy'), 2000);
  });
  return b;
}

export function errorBox(message: string, testid = 'error'): HTMLElement {
  return h('div', { class: 'error', 'data-testid': testid, role: 'alert' }, message);
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), input, hint ? h('small', {}, hint) : null);
}
