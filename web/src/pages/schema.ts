// Schema browser: the tables discovered on a source connection (cached by the server, refreshed
// hourly, or daily at a set time beyond 10,000 tables) and a Refresh-now button.
import { api, Connection, TableListing } from '../api';
import { clear, errorBox, fmtTime, h } from '../ui';

export async function schemaPage(root: HTMLElement, name: string, navigate: (hash: string) => void): Promise<void> {
  clear(root);
  let connections: Connection[] = [];
  try {
    connections = (await api<{ items: Connection[] }>('GET', '/api/v1/connections')).items.filter((c) => c.kind !== 'kafka');
  } catch (e) {
    root.append(errorBox((e as Error).message));
    return;
  }
  const pick = h('select', { id: 'schema-connection' }, h('option', { value: '' }, '— choose a database connection —'), connections.map((c) => h('option', { value: c.name }, c.name)));
  pick.value = name;
  pick.addEventListener('change', () => navigate(`#/schema/${encodeURIComponent(pick.value)}`));
  const filter = h('input', { id: 'schema-filter', placeholder: 'filter: shop.ord' });
  const refreshBtn = h('button', { id: 'schema-refresh', disabled: !name }, 'Refresh now');
  const meta = h('div', { class: 'muted', 'data-testid': 'schema-meta' });
  const host = h('div', { 'data-testid': 'schema-tables' });
  root.append(h('h1', {}, 'Schema browser'), h('div', { class: 'row' }, pick, filter, refreshBtn), meta, host);
  if (!name) return;

  let listing: TableListing | null = null;
  function render() {
    clear(meta);
    clear(host);
    if (!listing) return;
    meta.append(
      `${listing.count} table${listing.count === 1 ? "" : "s"} · refreshed ${fmtTime(listing.refreshed_at_ms)} in ${listing.duration_ms} ms · next refresh ${fmtTime(listing.next_refresh_at_ms)} (${listing.schedule})`,
    );
    if (listing.error) host.append(errorBox(`Last discovery failed: ${listing.error}`));
    const q = filter.value.trim().toLowerCase();
    const rows = listing.tables.filter((t) => !q || `${t.schema}.${t.table}`.toLowerCase().includes(q));
    host.append(
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ['Schema', 'Table', 'Type', 'Rows (estimate)'].map((t) => h('th', {}, t)))),
        h('tbody', {}, rows.slice(0, 2000).map((t) => h('tr', { 'data-table': `${t.schema}.${t.table}` }, h('td', {}, t.schema), h('td', {}, t.table), h('td', {}, t.type), h('td', { class: 'num' }, t.rows < 0 ? '—' : t.rows)))),
      ),
      rows.length > 2000 ? h('p', { class: 'muted' }, `${rows.length - 2000} more; narrow the filter.`) : '',
    );
  }
  filter.addEventListener('input', render);
  async function load(method: 'GET' | 'POST') {
    const path = `/api/v1/connections/${encodeURIComponent(name)}/tables${method === 'POST' ? '/refresh' : ''}`;
    try {
      listing = await api<TableListing>(method, path);
      render();
    } catch (e) {
      clear(host);
      host.append(errorBox((e as Error).message));
    }
  }
  refreshBtn.addEventListener('click', () => load('POST'));
  await load('GET');
}
