// Changefeed wizard: Step 1 target -> Step 2 settings (with a live topic-name preview from the
// server) -> Step 3 review (client and server validation; each error links back to its field;
// the exact sink URI, changefeed TOML and CLI command the server will use, copyable) -> Create.
// Fields that do not apply to the chosen format or dispatcher are not shown (and not sent).
// The form maps onto a changefeed body that names connections; the server builds the URIs
// with the stored secrets (docs/web-console.md).
import { api, ApiError, Changefeed, Connection } from '../api';
import { clear, copyButton, errorBox, field, h } from '../ui';

// The value lists of the form's choices (docs/kafka-sink-options.md).
const CHOICES = {
  protocol: [['avro', 'Avro'], ['canal-json', 'Canal-JSON'], ['debezium', 'Debezium']] as [string, string][],
  compression: ['none', 'gzip', 'snappy', 'lz4', 'zstd'].map((x) => [x, x] as [string, string]),
  avroDecimal: [['precise', 'precise (bytes)'], ['string', 'string']] as [string, string][],
  avroBigint: [['long', 'long'], ['string', 'string']] as [string, string][],
  debeziumDecimal: [['precise', 'precise (Connect Decimal)'], ['string', 'string'], ['double', 'double']] as [string, string][],
  debeziumBigint: [['long', 'long'], ['precise', 'precise (Connect Decimal)']] as [string, string][],
  partition: [['index-value', 'By primary key / index value'], ['table', 'By table'], ['ts', 'By commit timestamp'], ['columns', 'By columns']] as [string, string][],
};

// What the TiDB extension adds, per format.
const TIDB_EXTENSION_HINT: Record<string, string> = {
  'canal-json': 'Adds the _tidb object and WATERMARK events.',
  avro: 'Adds the _tidb_* fields.',
  debezium: 'Adds checkpoint events.',
};
const PARTITION_HINT: Record<string, string> = {
  'index-value': 'All changes of a row go to one partition, in order.',
  table: 'All changes of a table go to one partition, in order.',
  ts: 'Spreads a table over partitions; the order of one row across partitions is not kept.',
  columns: 'Like index value, over the columns you list.',
};

interface WizardState {
  id: string;
  source: string;
  target: string;
  filter: string;
  start: string;
  kafka_version: string;
  compression: string;
  tls: boolean;
  protocol: string;
  tidb_extension: boolean;
  decimal: string;
  bigint_unsigned: string;
  registry: string;
  registry_user: string;
  registry_password: string;
  dbz_decimal: string;
  dbz_bigint_unsigned: string;
  dbz_tombstone: boolean;
  dbz_old_value: boolean;
  dbz_disable_schema: boolean;
  topic_mode: 'table' | 'database' | 'single';
  prefix: string;
  separator: string;
  suffix: string;
  topic: string;
  default_topic: string;
  partition: string;
  columns: string;
  partition_num: string;
  replication_factor: string;
}

interface FieldError {
  step: number;
  field: string;
  message: string;
}

const TOPIC_CHARS = /^[A-Za-z0-9._-]*$/;

function initial(): WizardState {
  return {
    id: '',
    source: '',
    target: '',
    filter: '*.*',
    start: 'now',
    kafka_version: '',
    compression: 'none',
    tls: false,
    protocol: 'canal-json',
    tidb_extension: false,
    decimal: 'precise',
    bigint_unsigned: 'long',
    registry: '',
    registry_user: '',
    registry_password: '',
    dbz_decimal: 'precise',
    dbz_bigint_unsigned: 'long',
    dbz_tombstone: true,
    dbz_old_value: true,
    dbz_disable_schema: false,
    topic_mode: 'table',
    prefix: '',
    separator: '_',
    suffix: '',
    topic: '',
    default_topic: '',
    partition: 'index-value',
    columns: '',
    partition_num: '3',
    replication_factor: '1',
  };
}

// Client-side checks; the server's validation runs on the review step as well.
export function validate(s: WizardState): FieldError[] {
  const e: FieldError[] = [];
  if (!s.source) e.push({ step: 1, field: 'source', message: 'Pick a source connection.' });
  if (!s.target) e.push({ step: 1, field: 'target', message: 'Pick a target (Kafka) connection.' });
  if (s.kafka_version && !/^\d+\.\d+(\.\d+)?$/.test(s.kafka_version))
    e.push({ step: 1, field: 'kafka_version', message: 'Kafka version must look like 3.7.0.' });
  if (!s.filter.trim()) e.push({ step: 1, field: 'filter', message: 'Give at least one table filter rule, e.g. *.* or shop.*' });
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(s.id))
    e.push({ step: 2, field: 'id', message: 'Changefeed name: 1-128 of A-Z a-z 0-9 . _ -' });
  if (s.protocol === 'avro') {
    if (!s.registry) e.push({ step: 2, field: 'registry', message: 'Avro needs a schema registry endpoint.' });
    else if (!/^https?:\/\/[^\s/]+/.test(s.registry))
      e.push({ step: 2, field: 'registry', message: 'Schema registry must be an http:// or https:// URL.' });
    if (s.registry_password && !s.registry_user)
      e.push({ step: 2, field: 'registry_user', message: 'Give the registry user name with its password.' });
  }
  for (const f of ['prefix', 'separator', 'suffix'] as const) {
    if (!TOPIC_CHARS.test(s[f])) e.push({ step: 2, field: f, message: `Topic ${f} may only hold A-Z a-z 0-9 . _ -` });
  }
  if (s.topic_mode === 'single' && !/^[A-Za-z0-9._-]{1,249}$/.test(s.topic))
    e.push({ step: 2, field: 'topic', message: 'One topic: give a topic name of A-Z a-z 0-9 . _ -' });
  if (s.topic_mode !== 'single' && !/^[A-Za-z0-9._-]{1,249}$/.test(s.default_topic))
    e.push({ step: 2, field: 'default_topic', message: 'Default topic (for DDL and unmatched tables): A-Z a-z 0-9 . _ -' });
  if (s.partition === 'columns' && !s.columns.trim())
    e.push({ step: 2, field: 'columns', message: 'Partition by columns: list the columns.' });
  const pn = Number(s.partition_num);
  if (!Number.isInteger(pn) || pn < 1 || pn > 65536)
    e.push({ step: 2, field: 'partition_num', message: 'Partition number must be an integer from 1 to 65536.' });
  const rf = Number(s.replication_factor);
  if (!Number.isInteger(rf) || rf < 1 || rf > 32767)
    e.push({ step: 2, field: 'replication_factor', message: 'Replication factor must be an integer from 1 to 32767.' });
  return e;
}

// A replica server-id per changefeed (FNV-1a of its name folded into [1e9, 4e9)): two
// changefeeds reading the same MariaDB server must not share one, or the server drops one.
function serverIdFor(id: string): string {
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(id)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return String(1_000_000_000 + (h % 3_000_000_000));
}

// The changefeed body for POST /api/v1/changefeeds (and /validate).
export function toBody(s: WizardState, sourceKind = 'mariadb'): any {
  const sink: Record<string, string> = {
    protocol: s.protocol,
    'partition-num': s.partition_num,
    'replication-factor': s.replication_factor,
  };
  if (s.compression !== 'none') sink.compression = s.compression;
  if (s.kafka_version) sink['kafka-version'] = s.kafka_version;
  if (s.tls) sink['enable-tls'] = 'true';
  if (s.tidb_extension) sink['enable-tidb-extension'] = 'true';
  // Only the chosen format's options; defaults are left out so the URI stays short.
  if (s.protocol === 'avro') {
    if (s.decimal !== 'precise') sink['avro-decimal-handling-mode'] = s.decimal;
    if (s.bigint_unsigned !== 'long') sink['avro-bigint-unsigned-handling-mode'] = s.bigint_unsigned;
  }
  if (s.protocol === 'debezium') {
    if (s.dbz_decimal !== 'precise') sink['debezium-decimal-handling-mode'] = s.dbz_decimal;
    if (s.dbz_bigint_unsigned !== 'long') sink['debezium-bigint-unsigned-handling-mode'] = s.dbz_bigint_unsigned;
    if (!s.dbz_tombstone) sink['debezium-tombstone-on-delete'] = 'false';
    if (!s.dbz_old_value) sink['debezium-output-old-value'] = 'false';
    if (s.dbz_disable_schema) sink['debezium-disable-schema'] = 'true';
  }
  if (s.protocol === 'avro' && s.registry) {
    let url = s.registry;
    if (s.registry_user) {
      const cred = encodeURIComponent(s.registry_user) + (s.registry_password ? ':' + encodeURIComponent(s.registry_password) : '');
      url = url.replace(/^(https?:\/\/)/, `$1${cred}@`);
    }
    sink['schema-registry'] = url;
  }
  const rules = s.filter.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
  const dispatcher: any = { matcher: rules, partition: s.partition };
  if (s.partition === 'columns') dispatcher.columns = s.columns.split(',').map((x) => x.trim()).filter(Boolean);
  if (s.topic_mode === 'table') dispatcher.topic = `${s.prefix}{schema}${s.separator}{table}${s.suffix}`;
  if (s.topic_mode === 'database') dispatcher.topic = `${s.prefix}{schema}${s.suffix}`;
  return {
    id: s.id,
    source_connection: s.source,
    source_options: sourceKind === 'mariadb' ? { start: s.start, 'server-id': serverIdFor(s.id) } : { start: s.start },
    sink_connection: s.target,
    sink_topic: s.topic_mode === 'single' ? s.topic : s.default_topic,
    sink_options: sink,
    filter_rules: rules,
    dispatchers: [dispatcher],
  };
}

// Maps a server validation message onto the field it names.
function serverFieldError(message: string): FieldError {
  const m = message.toLowerCase();
  const table: [RegExp, number, string][] = [
    [/partition-num/, 2, 'partition_num'],
    [/replication-factor/, 2, 'replication_factor'],
    [/schema-registry|registry/, 2, 'registry'],
    [/avro-decimal/, 2, 'decimal'],
    [/avro-bigint/, 2, 'bigint_unsigned'],
    [/debezium-decimal/, 2, 'dbz_decimal'],
    [/debezium-bigint/, 2, 'dbz_bigint_unsigned'],
    [/protocol/, 2, 'protocol'],
    [/tidb-extension/, 2, 'tidb_extension'],
    [/kafka-version/, 1, 'kafka_version'],
    [/compression/, 1, 'compression'],
    [/topic|dispatcher/, 2, 'prefix'],
    [/filter/, 1, 'filter'],
    [/field 'id'|changefeed id|already exists/, 2, 'id'],
    [/source/, 1, 'source'],
    [/sink|kafka/, 1, 'target'],
  ];
  for (const [re, step, f] of table) if (re.test(m)) return { step, field: f, message };
  return { step: 2, field: 'protocol', message };
}

export async function wizardPage(root: HTMLElement, navigate: (hash: string) => void): Promise<void> {
  clear(root);
  const s = initial();
  let step = 1;
  let connections: Connection[] = [];
  try {
    connections = (await api<{ items: Connection[] }>('GET', '/api/v1/connections')).items;
  } catch (e) {
    root.append(errorBox((e as Error).message));
    return;
  }
  const sources = connections.filter((c) => c.role === 'source');
  const targets = connections.filter((c) => c.role === 'target' && c.kind === 'kafka');
  if (sources.length === 1) s.source = sources[0].name;
  if (targets.length === 1) {
    s.target = targets[0].name;
    s.compression = targets[0].compression;
    s.tls = targets[0].tls.enabled;
    s.default_topic = targets[0].topic && !targets[0].topic.includes('{') ? targets[0].topic : '';
  }
  let focusField = '';
  let reviewErrors: FieldError[] = [];
  let serverChecked = false;

  const body = h('div', { class: 'card wizard' });
  const steps = h('ol', { class: 'steps', 'data-testid': 'wizard-steps' });
  root.append(h('h1', {}, 'New changefeed'), steps, body);

  function input(key: keyof WizardState, attrs: Record<string, any> = {}): HTMLInputElement {
    const el = h('input', { id: `wz-${key}`, name: key, value: String(s[key]), ...attrs });
    el.addEventListener('input', () => {
      (s as any)[key] = el.value;
      onChange(key);
    });
    return el;
  }
  function checkbox(key: keyof WizardState): HTMLInputElement {
    const el = h('input', { id: `wz-${key}`, name: key, type: 'checkbox', checked: Boolean(s[key]) });
    el.addEventListener('change', () => {
      (s as any)[key] = el.checked;
      onChange(key);
    });
    return el;
  }
  function check(key: keyof WizardState, label: string, hint?: string): HTMLElement {
    return h('label', { class: 'check', title: hint }, checkbox(key), ' ', label, hint ? h('small', { class: 'muted' }, hint) : null);
  }
  function choice(key: keyof WizardState, options: [string, string][]): HTMLSelectElement {
    const el = h('select', { id: `wz-${key}`, name: key });
    for (const [v, label] of options) el.append(h('option', { value: v }, label));
    el.value = String(s[key]);
    el.addEventListener('change', () => {
      (s as any)[key] = el.value;
      onChange(key);
      render();
    });
    return el;
  }
  function inlineErrors(keys: string[]): HTMLElement | null {
    const errs = reviewErrors.filter((e) => keys.includes(e.field));
    if (!errs.length) return null;
    return h('div', { class: 'field-errors' }, errs.map((e) => errorBox(e.message, `field-error-${e.field}`)));
  }
  function fieldWith(label: string, key: string, el: HTMLElement, hint?: string) {
    const f = field(label, el, hint);
    const err = inlineErrors([key]);
    if (err) {
      f.classList.add('invalid');
      f.append(err);
    }
    return f;
  }

  let previewTimer: number | undefined;
  const preview = h('div', { class: 'preview', 'data-testid': 'topic-preview' });
  function onChange(key: keyof WizardState) {
    serverChecked = false;
    reviewErrors = reviewErrors.filter((e) => e.field !== key);
    if (['topic_mode', 'prefix', 'separator', 'suffix', 'topic', 'source'].includes(key)) schedulePreview();
    if (key === 'target') {
      const t = targets.find((c) => c.name === s.target);
      if (t) {
        s.compression = t.compression;
        s.tls = t.tls.enabled;
      }
      render();
    }
  }
  function schedulePreview() {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(updatePreview, 150);
  }
  async function updatePreview() {
    const req: any = { mode: s.topic_mode, prefix: s.prefix, separator: s.separator, suffix: s.suffix, topic: s.topic, limit: 12 };
    if (s.source && connections.find((c) => c.name === s.source)?.kind !== 'kafka') req.connection = s.source;
    else req.tables = [{ schema: 'shop', table: 'orders' }, { schema: 'shop', table: 'items' }];
    try {
      let r = await api<any>('POST', '/api/v1/topics/preview', req);
      if (r.tables === 0) {
        delete req.connection;
        req.tables = [{ schema: 'shop', table: 'orders' }, { schema: 'shop', table: 'items' }];
        r = await api<any>('POST', '/api/v1/topics/preview', req);
      }
      clear(preview);
      preview.append(
        h('div', { class: 'muted' }, `Expression `, h('code', { 'data-testid': 'topic-expression' }, r.expression), ` → ${r.distinct_topics} topic(s) for ${r.tables} table(s)`),
        h(
          'table',
          {},
          h('tbody', {}, r.topics.map((t: any) => h('tr', {}, h('td', {}, `${t.schema}.${t.table}`), h('td', {}, '→'), h('td', { class: 'topic-name' }, h('code', {}, t.topic))))),
        ),
      );
    } catch (e) {
      clear(preview);
      preview.append(errorBox((e as Error).message, 'preview-error'));
    }
  }

  function goto(n: number, focus = '') {
    step = n;
    focusField = focus;
    render();
  }

  function stepOne(): HTMLElement {
    const t = targets.find((c) => c.name === s.target);
    return h(
      'div',
      { 'data-step': '1' },
      h('h2', {}, 'Step 1 — Target'),
      h(
        'div',
        { class: 'row' },
        fieldWith('Source connection', 'source', choice('source', [['', '— choose —'], ...sources.map((c) => [c.name, `${c.name} (${c.kind})`] as [string, string])])),
        fieldWith('Target Kafka connection', 'target', choice('target', [['', '— choose —'], ...targets.map((c) => [c.name, c.name] as [string, string])])),
      ),
      fieldWith('Tables to capture', 'filter', input('filter', { placeholder: 'shop.*, !shop.tmp_*' }), 'TiDB table-filter rules, comma-separated.'),
      field('Start', choice('start', [['now', 'Now (new changes)'], ['earliest', 'Earliest binlog still on the server']])),
      t
        ? h(
            'div',
            { class: 'group' },
            field('Kafka endpoints', h('input', { id: 'wz-endpoints', value: t.hosts.join(', '), readonly: true }), 'From the connection.'),
            field('Authentication', h('input', { id: 'wz-auth', value: t.auth.mechanism === 'none' ? 'none' : `${t.auth.mechanism} (${t.auth.mechanism === 'gssapi' ? t.auth.kerberos_principal : t.auth.username})`, readonly: true }), 'From the connection; secrets stay on the server.'),
            h(
              'div',
              { class: 'row' },
              fieldWith('Kafka version', 'kafka_version', input('kafka_version', { placeholder: 'probed (e.g. 3.7.0)' })),
              fieldWith('Compression', 'compression', choice('compression', CHOICES.compression)),
            ),
            h('label', { class: 'check' }, checkbox('tls'), ' TLS'),
          )
        : h('p', { class: 'muted' }, targets.length ? 'Choose the target connection.' : 'Create a Kafka target connection first (Connections page).'),
    );
  }

  // Options of the chosen data format only: the schema registry and Avro's handling modes for
  // Avro, Debezium's for Debezium.
  function formatOptions(): HTMLElement | null {
    if (s.protocol === 'avro') {
      return h(
        'div',
        { class: 'group', 'data-format': 'avro' },
        h('h3', {}, 'Avro'),
        h(
          'div',
          { class: 'row' },
          fieldWith('Decimal handling', 'decimal', choice('decimal', CHOICES.avroDecimal)),
          fieldWith('Unsigned BIGINT handling', 'bigint_unsigned', choice('bigint_unsigned', CHOICES.avroBigint)),
        ),
        fieldWith('Schema registry endpoint', 'registry', input('registry', { placeholder: 'http://127.0.0.1:8081' }), 'Required for Avro.'),
        h(
          'div',
          { class: 'row' },
          fieldWith('Registry user (HTTP auth)', 'registry_user', input('registry_user', { autocomplete: 'off' }), 'Optional.'),
          fieldWith('Registry password', 'registry_password', input('registry_password', { type: 'password', autocomplete: 'new-password' }), 'Optional; stored in the sink URI, shown masked.'),
        ),
      );
    }
    if (s.protocol === 'debezium') {
      return h(
        'div',
        { class: 'group', 'data-format': 'debezium' },
        h('h3', {}, 'Debezium'),
        h(
          'div',
          { class: 'row' },
          fieldWith('Decimal handling', 'dbz_decimal', choice('dbz_decimal', CHOICES.debeziumDecimal)),
          fieldWith('Unsigned BIGINT handling', 'dbz_bigint_unsigned', choice('dbz_bigint_unsigned', CHOICES.debeziumBigint)),
        ),
        h(
          'div',
          { class: 'row checks-row' },
          check('dbz_tombstone', 'Tombstone after each delete'),
          check('dbz_old_value', 'Old row in updates ("before")'),
          check('dbz_disable_schema', 'Leave out the Connect schema'),
        ),
      );
    }
    return null;
  }

  function stepTwo(): HTMLElement {
    return h(
      'div',
      { 'data-step': '2' },
      h('h2', {}, 'Step 2 — Settings'),
      fieldWith('Changefeed name', 'id', input('id', { placeholder: 'orders-to-kafka' })),
      h(
        'div',
        { class: 'row' },
        fieldWith('Data format', 'protocol', choice('protocol', CHOICES.protocol)),
        check('tidb_extension', 'TiDB extension', TIDB_EXTENSION_HINT[s.protocol]),
      ),
      formatOptions(),
      h(
        'div',
        { class: 'group' },
        h('h3', {}, 'Topics'),
        fieldWith('Topic distribution', 'topic_mode', choice('topic_mode', [['table', 'By table'], ['database', 'By database'], ['single', 'One topic']])),
        s.topic_mode === 'single'
          ? fieldWith('Topic', 'topic', input('topic', { placeholder: 'cdc' }))
          : h(
              'div',
              { class: 'row' },
              fieldWith('Prefix', 'prefix', input('prefix', { placeholder: 'cdc_' })),
              s.topic_mode === 'table' ? fieldWith('Separator', 'separator', input('separator')) : null,
              fieldWith('Suffix', 'suffix', input('suffix')),
              fieldWith('Default topic', 'default_topic', input('default_topic', { placeholder: 'cdc_default' }), 'DDL of unmatched tables.'),
            ),
        preview,
      ),
      h(
        'div',
        { class: 'group' },
        h('h3', {}, 'Partitions'),
        h(
          'div',
          { class: 'row' },
          fieldWith('Partition distribution', 'partition', choice('partition', CHOICES.partition), PARTITION_HINT[s.partition]),
          s.partition === 'columns' ? fieldWith('Columns', 'columns', input('columns', { placeholder: 'id, region' })) : null,
          fieldWith('Partition number', 'partition_num', input('partition_num', { type: 'number', min: 1, max: 65536 })),
          fieldWith('Replication factor', 'replication_factor', input('replication_factor', { type: 'number', min: 1, max: 32767 })),
        ),
      ),
    );
  }

  // What the server will create, in the forms the CLI takes: the sink URI, the changefeed TOML
  // and the command (secrets stay masked as ****).
  function exactForms(r: { source_uri: string; sink_uri: string; config_toml: string }): HTMLElement {
    const quote = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
    const file = `${s.id}.toml`;
    const cli = [
      `cat > ${file} <<'EOF'`,
      r.config_toml.trimEnd(),
      'EOF',
      `sluice cli changefeed create --id ${quote(s.id)} \\`,
      `  --source ${quote(r.source_uri)} \\`,
      `  --sink ${quote(r.sink_uri)} \\`,
      `  --config ${file}`,
    ].join('\n');
    const block = (title: string, text: string, testid: string, hint?: string) => {
      const pre = h('pre', { class: 'code', 'data-testid': testid }, text);
      return h('div', { class: 'exact' }, h('div', { class: 'exact-head' }, h('h3', {}, title), copyButton(() => text, `copy-${testid}`, pre)), hint ? h('p', { class: 'muted small' }, hint) : null, pre);
    };
    return h(
      'div',
      { class: 'exact-forms' },
      block('Sink URI', r.sink_uri, 'review-sink-uri', r.sink_uri.includes('****') ? '**** stands for a secret the server keeps; put it in its place when you use the URI elsewhere.' : undefined),
      block('Changefeed TOML', r.config_toml, 'review-toml', 'The [filter] and [sink] of the changefeed, for --config.'),
      block('The same from the command line', cli, 'review-cli'),
    );
  }

  function stepThree(): HTMLElement {
    const b = toBody(s, connections.find((c) => c.name === s.source)?.kind);
    const errorsHost = h('div', { 'data-testid': 'review-errors' });
    const createBtn = h('button', { id: 'wz-create', class: 'primary', disabled: true }, 'Create');
    const status = h('div');
    const shown = { ...b, sink_options: { ...b.sink_options } };
    if (shown.sink_options['schema-registry']) shown.sink_options['schema-registry'] = shown.sink_options['schema-registry'].replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:****@');
    function showErrors(errs: FieldError[]) {
      clear(errorsHost);
      reviewErrors = errs;
      if (!errs.length) return;
      errorsHost.append(
        h('h3', {}, 'Fix these first'),
        h(
          'ul',
          { class: 'errors' },
          errs.map((e) =>
            h(
              'li',
              { 'data-field': e.field },
              e.message,
              ' ',
              h('a', { href: 'javascript:void 0', class: 'fix-link', 'data-testid': `fix-${e.field}`, onclick: () => goto(e.step, e.field) }, `Go to field (step ${e.step})`),
            ),
          ),
        ),
      );
    }
    const local = validate(s);
    showErrors(local);
    if (!local.length && !serverChecked) {
      status.append(h('p', { class: 'muted' }, 'Validating on the server…'));
      api('POST', '/api/v1/changefeeds/validate', b)
        .then((r: any) => {
          serverChecked = true;
          clear(status);
          status.append(h('p', { class: 'ok', 'data-testid': 'server-valid' }, '✓ The server accepts this changefeed.'), exactForms(r));
          createBtn.disabled = false;
        })
        .catch((e: Error) => {
          clear(status);
          showErrors([serverFieldError(e.message)]);
        });
    }
    createBtn.addEventListener('click', async () => {
      createBtn.disabled = true;
      try {
        const cf = await api<Changefeed>('POST', '/api/v1/changefeeds', b);
        navigate(`#/changefeeds/${encodeURIComponent(cf.id)}`);
      } catch (e) {
        createBtn.disabled = false;
        showErrors([serverFieldError((e as Error).message)]);
      }
    });
    const topicText =
      s.topic_mode === 'single'
        ? `one topic ${s.topic}`
        : s.topic_mode === 'table'
          ? `by table: ${s.prefix}{schema}${s.separator}{table}${s.suffix} (default ${s.default_topic})`
          : `by database: ${s.prefix}{schema}${s.suffix} (default ${s.default_topic})`;
    const summary = h(
      'dl',
      { 'data-testid': 'review-summary' },
      [
        ['From', `${s.source} — tables ${s.filter}, start ${s.start}`],
        ['To', `${s.target}${s.kafka_version ? ` (Kafka ${s.kafka_version})` : ''}, compression ${s.compression}${s.tls ? ', TLS' : ''}`],
        ['Format', `${s.protocol}${s.tidb_extension ? ' + TiDB extension' : ''}${s.protocol === 'avro' ? `, decimal ${s.decimal}, unsigned bigint ${s.bigint_unsigned}` : ''}${s.protocol === 'debezium' ? `, decimal ${s.dbz_decimal}, unsigned bigint ${s.dbz_bigint_unsigned}${s.dbz_tombstone ? ', tombstones' : ''}${s.dbz_old_value ? ', old values' : ''}${s.dbz_disable_schema ? ', no schema' : ''}` : ''}`],
        ...(s.protocol === 'avro' ? [['Schema registry', `${s.registry}${s.registry_user ? ` (user ${s.registry_user})` : ''}`]] : []),
        ['Topics', topicText],
        ['Partitions', `${s.partition_num} × replication ${s.replication_factor}, by ${s.partition}${s.partition === 'columns' ? ` (${s.columns})` : ''}`],
      ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
    return h(
      'div',
      { 'data-step': '3' },
      h('h2', {}, 'Step 3 — Review'),
      errorsHost,
      summary,
      status,
      h('details', { class: 'request' }, h('summary', {}, 'API request body (POST /api/v1/changefeeds)'), h('pre', { class: 'code', 'data-testid': 'review-body' }, JSON.stringify(shown, null, 2))),
      h('div', { class: 'buttons' }, createBtn),
    );
  }

  function render() {
    clear(steps);
    ['Target', 'Settings', 'Review'].forEach((label, i) =>
      steps.append(h('li', { class: i + 1 === step ? 'current' : i + 1 < step ? 'done' : '' }, `${i + 1}. ${label}`)),
    );
    clear(body);
    const content = step === 1 ? stepOne() : step === 2 ? stepTwo() : stepThree();
    const nav = h(
      'div',
      { class: 'buttons wizard-nav' },
      step > 1 ? h('button', { id: 'wz-back', onclick: () => goto(step - 1) }, 'Back') : null,
      step < 3 ? h('button', { id: 'wz-next', class: 'primary', onclick: () => goto(step + 1) }, step === 2 ? 'Review' : 'Next') : null,
    );
    body.append(content, nav);
    if (step === 2) schedulePreview();
    if (focusField) {
      const el = body.querySelector<HTMLElement>(`#wz-${focusField}`);
      if (el) {
        el.focus();
        el.closest('.field')?.classList.add('highlight');
      }
      focusField = '';
    }
  }
  render();
}

export type { WizardState, FieldError };
export { ApiError };
