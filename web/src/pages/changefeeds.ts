// Changefeed list and detail: state, checkpoint, lag, rows/s sparkline (from polling every 2 s),
// last error; pause, resume, remove.
import { api, Changefeed } from '../api';
import { clear, errorBox, fmtLag, fmtTime, h, sparkline } from '../ui';

const POLL_MS = 2000;
const HISTORY = 60;

// rows/s history per changefeed, computed from the rows counter between polls.
const history = new Map<string, { rows: number; at: number; rates: number[] }>();

function record(cf: Changefeed): number[] {
  const now = Date.now();
  const h0 = history.get(cf.id);
  if (!h0) {
    history.set(cf.id, { rows: cf.counters.rows, at: now, rates: [] });
    return [];
  }
  const dt = (now - h0.at) / 1000;
  if (dt > 0.2) {
    const rate = Math.max(0, (cf.counters.rows - h0.rows) / dt);
    h0.rates.push(rate);
    if (h0.rates.length > HISTORY) h0.rates.shift();
    h0.rows = cf.counters.rows;
    h0.at = now;
  }
  return h0.rates;
}

function stateBadge(cf: Changefeed): HTMLElement {
  const s = cf.desired === 'paused' ? 'paused' : cf.state;
  return h('span', { class: `badge ${s}`, 'data-testid': 'cf-state' }, s);
}

async function act(id: string, what: 'pause' | 'resume' | 'remove'): Promise<void> {
  if (what === 'remove') {
    if (!confirm(`Remove changefeed ${id} and its checkpoint?`)) return;
    await api('DELETE', `/api/v1/changefeeds/${encodeURIComponent(id)}`);
  } else {
    await api('POST', `/api/v1/changefeeds/${encodeURIComponent(id)}/${what}`);
  }
}

function actions(cf: Changefeed, after: () => void): HTMLElement {
  const run = (what: 'pause' | 'resume' | 'remove') => async () => {
    try {
      await act(cf.id, what);
    } catch (e) {
      alert((e as Error).message);
    }
    after();
  };
  return h(
    'span',
    { class: 'actions' },
    cf.desired === 'paused'
      ? h('button', { 'data-action': 'resume', onclick: run('resume') }, 'Resume')
      : h('button', { 'data-action': 'pause', onclick: run('pause') }, 'Pause'),
    h('button', { class: 'danger', 'data-action': 'remove', onclick: run('remove') }, 'Remove'),
  );
}

export function changefeedListPage(root: HTMLElement): () => void {
  clear(root);
  const host = h('div', { 'data-testid': 'changefeed-list' });
  root.append(
    h('h1', {}, 'Changefeeds'),
    h('a', { class: 'button primary', href: '#/wizard', id: 'new-changefeed' }, 'New changefeed'),
    host,
  );
  let stopped = false;
  async function poll() {
    if (stopped) return;
    try {
      const { items } = await api<{ items: Changefeed[] }>('GET', '/api/v1/changefeeds');
      clear(host);
      if (!items.length) host.append(h('p', { class: 'muted' }, 'No changefeeds yet.'));
      else
        host.append(
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, ['Changefeed', 'State', 'Checkpoint', 'Lag', 'Rows', 'Rows/s', 'Last error', ''].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              items.map((cf) =>
                h(
                  'tr',
                  { 'data-changefeed': cf.id },
                  h('td', {}, h('a', { href: `#/changefeeds/${encodeURIComponent(cf.id)}` }, cf.id)),
                  h('td', {}, stateBadge(cf)),
                  h('td', {}, fmtTime(cf.checkpoint_time_ms)),
                  h('td', {}, fmtLag(cf.lag_ms)),
                  h('td', { class: 'num' }, cf.counters.rows),
                  h('td', {}, sparkline(record(cf), 100, 24)),
                  h('td', { class: 'err' }, cf.error || ''),
                  h('td', {}, actions(cf, poll)),
                ),
              ),
            ),
          ),
        );
    } catch (e) {
      clear(host);
      host.append(errorBox((e as Error).message));
    }
  }
  poll();
  const timer = window.setInterval(poll, POLL_MS);
  return () => {
    stopped = true;
    window.clearInterval(timer);
  };
}

export function changefeedDetailPage(root: HTMLElement, id: string, navigate: (hash: string) => void): () => void {
  clear(root);
  const host = h('div', { 'data-testid': 'changefeed-detail' });
  root.append(h('p', {}, h('a', { href: '#/changefeeds' }, '← Changefeeds')), h('h1', {}, `Changefeed ${id}`), host);
  let stopped = false;
  async function poll() {
    if (stopped) return;
    try {
      const cf = await api<Changefeed>('GET', `/api/v1/changefeeds/${encodeURIComponent(id)}`);
      const rates = record(cf);
      clear(host);
      const dl = (pairs: [string, Node | string | number, string?][]) =>
        h('dl', {}, pairs.flatMap(([k, v, testid]) => [h('dt', {}, k), h('dd', testid ? { 'data-testid': testid } : {}, v)]));
      host.append(
        h('div', { class: 'card' }, stateBadge(cf), ' ', actions(cf, poll)),
        cf.error ? errorBox(`Last error: ${cf.error}`, 'cf-error') : '',
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Throughput'),
          h('div', { class: 'spark' }, sparkline(rates, 480, 64)),
          dl([
            ['Rows', String(cf.counters.rows), 'cf-rows'],
            ['Rows/s (server, ~10 s)', (cf.rows_per_second ?? 0).toFixed(1), 'cf-rate'],
            ['Messages', String(cf.counters.messages)],
            ['Bytes', String(cf.counters.bytes)],
            ['Errors', String(cf.counters.errors)],
            ['Restarts', String(cf.counters.restarts)],
          ]),
        ),
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Progress'),
          dl([
            ['Checkpoint', h('code', {}, cf.checkpoint || '—'), 'cf-checkpoint'],
            ['Checkpoint time', fmtTime(cf.checkpoint_time_ms)],
            ['Lag', fmtLag(cf.lag_ms), 'cf-lag'],
          ]),
        ),
        h(
          'div',
          { class: 'card' },
          h('h2', {}, 'Definition'),
          dl([
            ['Source', h('code', {}, cf.source_uri)],
            ['Sink', h('code', {}, cf.sink_uri)],
            ['Tables', cf.filter_rules.join(', ')],
            ['Dispatchers', h('code', {}, cf.dispatchers.map((d) => `${d.matcher.join(',')} → ${d.topic || '(default topic)'} / ${d.partition}`).join('; '))],
            ['Created', fmtTime(cf.created_at_ms)],
          ]),
        ),
      );
    } catch (e) {
      clear(host);
      const msg = (e as Error).message;
      host.append(errorBox(msg));
      if (/no changefeed|not found/i.test(msg)) {
        stopped = true;
        navigate('#/changefeeds');
      }
    }
  }
  poll();
  const timer = window.setInterval(poll, POLL_MS);
  return () => {
    stopped = true;
    window.clearInterval(timer);
  };
}
