// Schema browser: the tables discovered on a source connection (cached by the server, refreshed
// hourly, or daily at a set time beyond 10,000 tables) and a Refresh-now button. A table opens
// (#/schema/<connection>/<schema>/<table>) to its columns, keys, whether sluice can capture it
// (row image, key, column types) and the changefeeds that capture it.
import { api, Connection, enc, TableDetail, TableListing } from '../api';
import { clear, errorBox, fmtCount, fmtLag, fmtTime, h } from '../ui';

// The filter box per connection, kept while tables are opened and closed.
const filterText = new Map<string, string>();

export async function schemaPage(root: HTMLElement, name: string, navigate: (hash: string) => void, schema = '', table = ''): Promise<void> {
  clear(root);
  let connections: Connection[] = [];
  try {
    connections = (await api<{ items: Connection[] }>('GET', '/api/v1/connections')).items.filter((c) => c.kind !== 'kafka');
  } catch (e) {
    root.append(errorBox((e as Error).message));
    return;
  }
  const pick = h('select', { id: 'schema-connection' }, h('option', { value: '' }, '— choose a database connection —'), connections.map((c) => h('option', { value: c.name }, `${c.name} (${c.kind})`)));
  pick.value = name;
  pick.addEventListener('change', () => navigate(`#/schema/${enc(pick.value)}`));
  const filter = h('input', { id: 'schema-filter', type: 'search', placeholder: 'Filter: shop.ord' });
  const refreshBtn = h('button', { id: 'schema-refresh', disabled: !name }, 'Refresh now');
  const meta = h('div', { class: 'muted small', 'data-testid': 'schema-meta' });
  const host = h('div', { 'data-testid': 'schema-tables', class: 'schema-list' });
  const detail = h('div', { class: 'schema-detail' });
  root.append(
    h('h1', {}, 'Schema browser'),
    h('div', { class: 'toolbar' }, pick, filter, refreshBtn),
    meta,
    h('div', { class: schema ? 'schema-split open' : 'schema-split' }, host, detail),
  );
  if (!name) {
    host.append(h('p', { class: 'muted' }, connections.length ? 'Choose a connection to list its tables.' : 'Add a MariaDB or PostgreSQL connection first (Connections page).'));
    return;
  }

  let listing: TableListing | null = null;
  const selected = `${schema}.${table}`;
  function render() {
    clear(meta);
    clear(host);
    if (!listing) return;
    meta.append(
      `${fmtCount(listing.count)} table${listing.count === 1 ? '' : 's'} · refreshed ${fmtTime(listing.refreshed_at_ms)} in ${listing.duration_ms} ms · next refresh ${fmtTime(listing.next_refresh_at_ms)} (${listing.schedule})`,
    );
    if (listing.error) host.append(errorBox(`Last discovery failed: ${listing.error}`));
    const q = filter.value.trim().toLowerCase();
    const rows = listing.tables.filter((t) => !q || `${t.schema}.${t.table}`.toLowerCase().includes(q));
    host.append(
      h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, ['Schema', 'Table', 'Type', 'Rows (estimate)'].map((t, i) => h('th', { class: i === 3 ? 'num' : '' }, t)))),
        h(
          'tbody',
          {},
          rows.slice(0, 2000).map((t) => {
            const key = `${t.schema}.${t.table}`;
            const href = `#/schema/${enc(name)}/${enc(t.schema)}/${enc(t.table)}`;
            return h(
              'tr',
              { 'data-table': key, class: key === selected ? 'selected clickable' : 'clickable', onclick: () => navigate(href) },
              h('td', {}, t.schema),
              h('td', {}, h('a', { href, 'data-open-table': key }, t.table)),
              h('td', { class: 'small' }, t.type),
              h('td', { class: 'num' }, t.rows < 0 ? '—' : fmtCount(t.rows)),
            );
          }),
        ),
      ),
      rows.length > 2000 ? h('p', { class: 'muted' }, `${rows.length - 2000} more; narrow the filter.`) : '',
    );
  }
  filter.addEventListener('input', () => {
    filterText.set(name, filter.value);
    render();
  });
  async function load(method: 'GET' | 'POST') {
    const path = `/api/v1/connections/${enc(name)}/tables${method === 'POST' ? '/refresh' : ''}`;
    try {
      listing = await api<TableListing>(method, path);
      render();
    } catch (e) {
      clear(host);
      host.append(errorBox((e as Error).message));
    }
  }
  refreshBtn.addEventListener('click', () => load('POST'));
  filter.value = filterText.get(name) ?? '';
  const detailLoad = schema ? loadDetail(detail, name, schema, table, navigate) : Promise.resolve();
  await Promise.all([load('GET'), detailLoad]);
}

const CHECK_ICONS: Record<string, string> = { pass: '✓', warn: '!', fail: '✕' };

async function loadDetail(host: HTMLElement, conn: string, schema: string, table: string, navigate: (hash: string) => void): Promise<void> {
  host.append(h('div', { class: 'card' }, h('p', { class: 'muted' }, `Reading ${schema}.${table}…`)));
  let d: TableDetail;
  try {
    d = await api<TableDetail>('GET', `/api/v1/connections/${enc(conn)}/tables/${enc(schema)}/${enc(table)}`);
  } catch (e) {
    clear(host);
    host.append(errorBox((e as Error).message, 'table-detail-error'));
    return;
  }
  clear(host);
  const verdict = d.capture.capturable;
  const close = h('button', { class: 'link', type: 'button', onclick: () => navigate(`#/schema/${enc(conn)}`), 'aria-label': 'Close' }, '✕');
  host.append(
    h(
      'div',
      { class: 'card table-detail', 'data-testid': 'table-detail', 'data-table': `${d.schema}.${d.table}` },
      h(
        'div',
        { class: 'detail-head' },
        h('h2', {}, h('code', {}, `${d.schema}.${d.table}`)),
        h('span', { class: `badge ${verdict ? 'normal' : 'failed'}`, 'data-testid': 'capture-verdict' }, verdict ? 'can be captured' : 'cannot be captured'),
        close,
      ),
      h('p', { class: 'muted small' }, `${d.type} · ${d.columns.length} column${d.columns.length === 1 ? '' : 's'} · ${d.rows < 0 ? 'row count unknown' : `about ${fmtCount(d.rows)} rows`}`),
      h('h3', {}, 'Capture'),
      h(
        'ul',
        { class: 'capture-checks', 'data-testid': 'capture-checks' },
        d.capture.checks.map((c) =>
          h(
            'li',
            { class: c.status, 'data-check': c.name, 'data-status': c.status },
            h('span', { class: `icon ${c.status}` }, CHECK_ICONS[c.status] ?? '?'),
            h('div', {}, h('b', {}, c.name), ' ', h('span', {}, c.detail), c.fix ? h('div', { class: 'fix' }, 'Fix: ', h('code', {}, c.fix)) : null),
          ),
        ),
      ),
      h('h3', {}, 'Columns'),
      h(
        'table',
        { class: 'columns', 'data-testid': 'column-list' },
        h('thead', {}, h('tr', {}, ['#', 'Name', 'Type', 'Nullable', 'Key', ''].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          d.columns.map((c, i) =>
            h(
              'tr',
              { 'data-column': c.name, class: c.supported ? '' : 'unsupported' },
              h('td', { class: 'muted' }, i + 1),
              h('td', {}, h('b', {}, c.name)),
              h('td', {}, h('code', {}, c.type)),
              h('td', {}, c.nullable ? 'yes' : 'no'),
              h('td', {}, c.key ? h('span', { class: `key ${c.key.toLowerCase()}`, title: { PRI: 'primary key', UNI: 'unique key', MUL: 'indexed' }[c.key] ?? c.key }, c.key) : ''),
              h('td', { class: 'small' + (c.supported ? ' muted' : ' bad') }, c.note),
            ),
          ),
        ),
      ),
      h('h3', {}, 'Keys'),
      d.keys.length
        ? h(
            'ul',
            { class: 'keys', 'data-testid': 'key-list' },
            d.keys.map((k) =>
              h(
                'li',
                { 'data-key': k.name },
                h('span', { class: `key ${k.primary ? 'pri' : 'uni'}` }, k.primary ? 'PRIMARY' : 'UNIQUE'),
                ' ',
                k.primary && k.name === 'PRIMARY' ? null : h('code', {}, k.name),
                ` (${k.columns.join(', ')})`,
              ),
            ),
          )
        : h('p', { class: 'muted', 'data-testid': 'key-list' }, 'No primary or unique key.'),
      h('h3', {}, 'Captured by'),
      d.changefeeds.length
        ? h(
            'ul',
            { class: 'capturing', 'data-testid': 'capturing-changefeeds' },
            d.changefeeds.map((f) =>
              h('li', { 'data-changefeed': f.id }, h('a', { href: `#/changefeeds/${enc(f.id)}` }, f.id), ' ', h('span', { class: `badge ${f.state}` }, f.state), f.lag_ms ? h('span', { class: 'muted small' }, ` lag ${fmtLag(f.lag_ms)}`) : null),
            ),
          )
        : h('p', { class: 'muted', 'data-testid': 'capturing-changefeeds' }, 'No changefeed captures this table.'),
    ),
  );
}
