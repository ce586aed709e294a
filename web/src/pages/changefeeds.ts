// Changefeed list (search, sort, lagging ones marked) and detail page (current figures, rows/s
// and lag over the last hour with errors/restarts/pauses on the timeline, per-table counts,
// checkpoint, definition; pause, resume, remove). Both poll the API every 2 s; the history
// behind the charts is kept by the server (GET /api/v1/changefeeds/{id}/history).
import { api, Changefeed, enc, History } from '../api';
import { TimeChart, EVENT_LABELS } from '../charts';
import { clear, errorBox, fmtCount, fmtLag, fmtRate, fmtTime, h, LAG_WARN_MS } from '../ui';

const POLL_MS = 2000;

function stateOf(cf: Changefeed): string {
  return cf.desired === 'paused' ? 'paused' : cf.state;
}

function stateBadge(cf: Changefeed): HTMLElement {
  const s = stateOf(cf);
  const attrs: Record<string, string> = { class: `badge ${s}`, 'data-testid': 'cf-state' };
  if (s === 'warning' && cf.state_reason) attrs.title = cf.state_reason;
  return h('span', attrs, s);
}

// Rows read from the source and, of those, delivered (acknowledged by the target).
function rowsCell(cf: Changefeed): HTMLElement {
  const behind = cf.counters.rows_read - cf.counters.rows_delivered;
  return h(
    'span',
    { 'data-testid': 'cf-rows-cell', title: `${fmtCount(cf.counters.rows_read)} read, ${fmtCount(cf.counters.rows_delivered)} delivered` },
    fmtCount(cf.counters.rows_delivered),
    behind > 0 ? h('span', { class: 'muted small' }, ` / ${fmtCount(cf.counters.rows_read)} read`) : null,
  );
}

function isLagging(cf: Changefeed): boolean {
  return cf.lag_ms >= LAG_WARN_MS;
}

function lagCell(cf: Changefeed): HTMLElement {
  if (!isLagging(cf)) return h('span', { class: 'lag' }, fmtLag(cf.lag_ms));
  return h('span', { class: 'badge lagging', 'data-testid': 'lag-badge', title: `The checkpoint trails the source by ${fmtLag(cf.lag_ms)} (over ${fmtLag(LAG_WARN_MS)})` }, `lagging ${fmtLag(cf.lag_ms)}`);
}

async function act(id: string, what: 'pause' | 'resume' | 'remove'): Promise<void> {
  if (what === 'remove') {
    if (!confirm(`Remove changefeed ${id} and its checkpoint?`)) return;
    await api('DELETE', `/api/v1/changefeeds/${enc(id)}`);
  } else {
    await api('POST', `/api/v1/changefeeds/${enc(id)}/${what}`);
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

// --- List -------------------------------------------------------------------------------

type SortKey = 'id' | 'state' | 'lag' | 'rows' | 'rate' | 'checkpoint';
const STATE_ORDER: Record<string, number> = { failed: 0, warning: 1, normal: 2, paused: 3, stopped: 4 };
const SORTS: Record<SortKey, (a: Changefeed, b: Changefeed) => number> = {
  id: (a, b) => a.id.localeCompare(b.id),
  state: (a, b) => (STATE_ORDER[stateOf(a)] ?? 9) - (STATE_ORDER[stateOf(b)] ?? 9),
  lag: (a, b) => a.lag_ms - b.lag_ms,
  rows: (a, b) => a.counters.rows_delivered - b.counters.rows_delivered,
  rate: (a, b) => (a.rows_per_second ?? 0) - (b.rows_per_second ?? 0),
  checkpoint: (a, b) => a.checkpoint_time_ms - b.checkpoint_time_ms,
};
// The list's search text and sort survive a visit to a detail page.
const listView = { query: '', sort: 'id' as SortKey, desc: false };

export function changefeedListPage(root: HTMLElement): () => void {
  clear(root);
  const search = h('input', {
    id: 'cf-search',
    type: 'search',
    placeholder: 'Search by name, table rule, source or sink',
    value: listView.query,
    'aria-label': 'Search changefeeds',
  });
  const summary = h('span', { class: 'muted', 'data-testid': 'changefeed-summary' });
  const host = h('div', { 'data-testid': 'changefeed-list' });
  root.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Changefeeds'), h('a', { class: 'button primary', href: '#/wizard', id: 'new-changefeed' }, 'New changefeed')),
    h('div', { class: 'toolbar' }, search, summary),
    host,
  );
  let items: Changefeed[] = [];
  let stopped = false;

  function header(label: string, key: SortKey | null, cls = ''): HTMLElement {
    if (!key) return h('th', { class: cls }, label);
    const active = listView.sort === key;
    const th = h(
      'th',
      { class: `${cls} sortable${active ? ' sorted' : ''}`, 'aria-sort': active ? (listView.desc ? 'descending' : 'ascending') : 'none' },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          'data-sort': key,
          onclick: () => {
            if (listView.sort === key) listView.desc = !listView.desc;
            else {
              listView.sort = key;
              // Numbers read best largest first; names A to Z.
              listView.desc = key !== 'id' && key !== 'state';
            }
            render();
          },
        },
        label,
        h('span', { class: 'arrow' }, active ? (listView.desc ? '▼' : '▲') : ''),
      ),
    );
    return th;
  }

  function render() {
    clear(host);
    const q = listView.query.trim().toLowerCase();
    const shown = items
      .filter((cf) => !q || [cf.id, cf.source_uri, cf.sink_uri, ...cf.filter_rules, stateOf(cf)].some((x) => x.toLowerCase().includes(q)))
      .sort((a, b) => {
        const r = SORTS[listView.sort](a, b) || a.id.localeCompare(b.id);
        return listView.desc ? -r : r;
      });
    const lagging = items.filter(isLagging).length;
    summary.textContent =
      `${shown.length} of ${items.length} changefeed${items.length === 1 ? '' : 's'}` + (lagging ? ` · ${lagging} lagging` : '');
    if (!items.length) {
      host.append(h('div', { class: 'card empty' }, h('p', {}, 'No changefeeds yet.'), h('a', { class: 'button primary', href: '#/wizard' }, 'Create one')));
      return;
    }
    if (!shown.length) {
      host.append(h('p', { class: 'muted' }, `No changefeed matches “${listView.query}”.`));
      return;
    }
    host.append(
      h(
        'table',
        { class: 'list' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            header('Changefeed', 'id'),
            header('State', 'state'),
            header('Lag', 'lag'),
            header('Rows delivered', 'rows', 'num'),
            header('Rows/s', 'rate', 'num'),
            header('Checkpoint', 'checkpoint'),
            header('Last error', null),
            header('', null),
          ),
        ),
        h(
          'tbody',
          {},
          shown.map((cf) =>
            h(
              'tr',
              { 'data-changefeed': cf.id, 'data-lagging': String(isLagging(cf)), class: isLagging(cf) ? 'lagging' : '' },
              h('td', {}, h('a', { href: `#/changefeeds/${enc(cf.id)}`, class: 'cf-name' }, cf.id), h('div', { class: 'muted small' }, cf.filter_rules.join(', '))),
              h('td', {}, stateBadge(cf), cf.state === 'warning' && cf.state_reason ? h('div', { class: 'muted small', 'data-testid': 'cf-state-reason' }, cf.state_reason) : null),
              h('td', { 'data-testid': 'cf-lag' }, lagCell(cf)),
              h('td', { class: 'num' }, rowsCell(cf)),
              h('td', { class: 'num' }, fmtRate(cf.rows_per_second ?? 0)),
              h('td', { class: 'small' }, fmtTime(cf.checkpoint_time_ms)),
              h('td', { class: 'err', title: cf.error || '' }, cf.error || ''),
              h('td', { class: 'actions-cell' }, actions(cf, poll)),
            ),
          ),
        ),
      ),
    );
  }

  search.addEventListener('input', () => {
    listView.query = search.value;
    render();
  });

  async function poll() {
    if (stopped) return;
    try {
      items = (await api<{ items: Changefeed[] }>('GET', '/api/v1/changefeeds')).items;
      render();
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

// --- Detail -----------------------------------------------------------------------------

function tile(label: string, value: string, testid?: string, cls = ''): HTMLElement {
  return h('div', { class: `tile ${cls}` }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value', 'data-testid': testid }, value));
}

function dl(pairs: [string, Node | string | number, string?][]): HTMLElement {
  return h('dl', {}, pairs.flatMap(([k, v, testid]) => [h('dt', {}, k), h('dd', testid ? { 'data-testid': testid } : {}, v)]));
}

export function changefeedDetailPage(root: HTMLElement, id: string, navigate: (hash: string) => void): () => void {
  clear(root);
  const head = h('div', { class: 'page-head' });
  const tiles = h('div', { class: 'tiles', 'data-testid': 'cf-tiles' });
  const errorHost = h('div');
  const rateChart = new TimeChart({
    testid: 'chart-rate',
    title: 'Rows per second',
    yLabel: 'rows/s',
    color: '#1f6feb',
    format: (v) => (Number.isInteger(v) ? v.toLocaleString('en-US') : fmtRate(v)),
    formatNow: (v) => fmtRate(v),
  });
  const lagChart = new TimeChart({
    testid: 'chart-lag',
    title: 'Lag',
    yLabel: 'lag (s)',
    color: '#bf5b04',
    format: (v) => (v >= 10 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : String(Number(v.toFixed(2)))) + ' s',
    formatNow: (v) => fmtLag(v * 1000),
    minMax: 1,
  });
  const events = h('div', { 'data-testid': 'cf-events' });
  const tables = h('div', { 'data-testid': 'cf-tables' });
  const progress = h('div');
  const definition = h('div');
  const host = h(
    'div',
    { 'data-testid': 'changefeed-detail' },
    head,
    tiles,
    errorHost,
    h('div', { class: 'charts' }, h('div', { class: 'card' }, rateChart.el), h('div', { class: 'card' }, lagChart.el)),
    h('div', { class: 'card' }, h('h2', {}, 'Events in the last hour'), events),
    h('div', { class: 'card' }, h('h2', {}, 'Rows per table'), h('p', { class: 'muted small' }, 'Row changes captured per table since the current run started.'), tables),
    h('div', { class: 'two-col' }, h('div', { class: 'card' }, h('h2', {}, 'Progress'), progress), h('div', { class: 'card' }, h('h2', {}, 'Definition'), definition)),
  );
  root.append(h('p', { class: 'crumbs' }, h('a', { href: '#/changefeeds' }, '← Changefeeds')), host);

  let stopped = false;
  async function poll() {
    if (stopped) return;
    let cf: Changefeed;
    let hist: History | null = null;
    try {
      [cf, hist] = await Promise.all([
        api<Changefeed>('GET', `/api/v1/changefeeds/${enc(id)}`),
        api<History>('GET', `/api/v1/changefeeds/${enc(id)}/history`).catch(() => null),
      ]);
    } catch (e) {
      clear(errorHost);
      const msg = (e as Error).message;
      errorHost.append(errorBox(msg));
      if (/no changefeed|not found/i.test(msg)) {
        stopped = true;
        navigate('#/changefeeds');
      }
      return;
    }
    if (stopped) return;
    renderHead(cf);
    renderTiles(cf);
    clear(errorHost);
    if (cf.state === 'warning' && cf.state_reason) errorHost.append(errorBox(`Warning: ${cf.state_reason}`, 'cf-state-reason'));
    if (cf.error) errorHost.append(errorBox(`Last error: ${cf.error}`, 'cf-error'));
    const now = Date.now();
    const ev = hist?.events ?? [];
    const s = hist?.samples ?? { at_ms: [], rows_per_second: [], lag_ms: [], rows: [] };
    rateChart.update(s.at_ms, s.rows_per_second, cf.rows_per_second ?? 0, ev, now);
    lagChart.update(s.at_ms, s.lag_ms.map((x) => x / 1000), cf.lag_ms / 1000, ev, now);
    renderEvents(ev);
    renderTables(cf);
    clear(progress);
    progress.append(
      dl([
        ['Checkpoint', h('code', {}, cf.checkpoint || '—'), 'cf-checkpoint'],
        ['Checkpoint time', fmtTime(cf.checkpoint_time_ms)],
        ['Lag', fmtLag(cf.lag_ms), 'cf-lag'],
        ['Messages', fmtCount(cf.counters.messages)],
        ['Bytes', fmtCount(cf.counters.bytes)],
      ]),
    );
    clear(definition);
    definition.append(
      dl([
        ['Source', h('code', {}, cf.source_uri)],
        ['Sink', h('code', {}, cf.sink_uri)],
        ['Tables', cf.filter_rules.join(', ')],
        ['Dispatchers', h('code', {}, cf.dispatchers.map((d) => `${d.matcher.join(',')} → ${d.topic || '(default topic)'} / ${d.partition}`).join('; ') || '—')],
        ['Created', fmtTime(cf.created_at_ms)],
      ]),
    );
  }

  function renderHead(cf: Changefeed) {
    clear(head);
    head.append(h('h1', {}, cf.id, ' ', stateBadge(cf), isLagging(cf) ? h('span', { class: 'badge lagging', 'data-testid': 'lag-badge' }, 'lagging') : null), actions(cf, poll));
  }

  function renderTiles(cf: Changefeed) {
    clear(tiles);
    tiles.append(
      tile('Rows read', fmtCount(cf.counters.rows_read), 'cf-rows-read'),
      tile('Rows delivered', fmtCount(cf.counters.rows_delivered), 'cf-rows', cf.counters.rows_read > cf.counters.rows_delivered && cf.state === 'warning' ? 'warn' : ''),
      tile('Rows/s (last ~10 s)', fmtRate(cf.rows_per_second ?? 0), 'cf-rate'),
      tile('Checkpoint lag', fmtLag(cf.lag_ms), 'cf-lag-now', isLagging(cf) ? 'warn' : ''),
      tile('Errors', fmtCount(cf.counters.errors), 'cf-errors', cf.counters.errors ? 'bad' : ''),
      tile('Restarts', fmtCount(cf.counters.restarts), 'cf-restarts', cf.counters.restarts ? 'warn' : ''),
    );
  }

  function renderEvents(ev: History['events']) {
    clear(events);
    if (!ev.length) {
      events.append(h('p', { class: 'muted' }, 'No errors, restarts or pauses.'));
      return;
    }
    events.append(
      h(
        'ul',
        { class: 'events' },
        [...ev].reverse().map((e) =>
          h(
            'li',
            { 'data-kind': e.kind },
            h('span', { class: 'dot', 'data-kind': e.kind }),
            h('span', { class: 'when' }, new Date(e.at_ms).toISOString().slice(11, 19) + ' UTC'),
            h('b', {}, EVENT_LABELS[e.kind] ?? e.kind),
            e.detail ? h('span', { class: 'detail' }, e.detail) : null,
          ),
        ),
      ),
    );
  }

  function renderTables(cf: Changefeed) {
    clear(tables);
    const list = [...(cf.tables ?? [])].sort((a, b) => b.rows - a.rows || `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
    if (!list.length) {
      tables.append(h('p', { class: 'muted' }, 'No rows captured yet in this run.'));
      return;
    }
    const max = Math.max(...list.map((t) => t.rows), 1);
    tables.append(
      h(
        'table',
        { class: 'counts' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Table'), h('th', { class: 'num' }, 'Inserts'), h('th', { class: 'num' }, 'Updates'), h('th', { class: 'num' }, 'Deletes'), h('th', { class: 'num' }, 'Total'), h('th', {}, ''))),
        h(
          'tbody',
          {},
          list.map((t) =>
            h(
              'tr',
              { 'data-table': `${t.schema}.${t.table}` },
              h('td', {}, h('code', {}, `${t.schema}.${t.table}`)),
              h('td', { class: 'num' }, fmtCount(t.inserts)),
              h('td', { class: 'num' }, fmtCount(t.updates)),
              h('td', { class: 'num' }, fmtCount(t.deletes)),
              h('td', { class: 'num', 'data-testid': 'table-rows' }, fmtCount(t.rows)),
              h('td', { class: 'bar-cell' }, h('span', { class: 'bar', style: `width:${Math.max(2, (t.rows / max) * 100)}%` })),
            ),
          ),
        ),
      ),
    );
  }

  poll();
  const timer = window.setInterval(poll, POLL_MS);
  return () => {
    stopped = true;
    window.clearInterval(timer);
    rateChart.destroy();
    lagChart.destroy();
  };
}
