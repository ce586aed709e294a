// Connections page: list, create/edit form, Connection Test with each check and its fix.
// Save is enabled after a passing test of the current form values, or with the explicit
// "Save without a passing test" override. Passwords are write-only: never shown, blank = keep.
import { api, ApiError, Connection, TestResult } from '../api';
import { clear, errorBox, field, h } from '../ui';

function blank(): Connection {
  return {
    name: '',
    kind: 'mariadb',
    role: 'source',
    hosts: ['127.0.0.1:3306'],
    user: '',
    database: '',
    topic: '',
    auth: { mechanism: 'none', username: '', kerberos_principal: '', kerberos_service_name: '', kerberos_keytab: '' },
    tls: { enabled: false, ca: '', cert: '', key: '', insecure_skip_verify: false },
    ack_mode: '-1',
    compression: 'none',
    ignore_non_json: false,
    ignore_write_errors: false,
  };
}

function select(id: string, options: [string, string][], value: string): HTMLSelectElement {
  const s = h('select', { id, name: id });
  for (const [v, label] of options) s.append(h('option', { value: v }, label));
  s.value = value;
  return s;
}

export function renderTestResult(result: TestResult): HTMLElement {
  return h(
    'div',
    { class: 'checks', 'data-testid': 'test-result', 'data-passed': String(result.passed) },
    h('div', { class: result.passed ? 'ok' : 'bad' }, result.passed ? 'All checks passed' : 'Some checks failed'),
    h(
      'ul',
      {},
      result.checks.map((c) =>
        h(
          'li',
          { class: c.skipped ? 'skip' : c.passed ? 'pass' : 'fail', 'data-check': c.name },
          h('b', {}, c.skipped ? 'SKIP' : c.passed ? 'PASS' : 'FAIL'),
          ' ',
          h('span', { class: 'name' }, c.name),
          ': ',
          c.detail,
          c.fix ? h('div', { class: 'fix' }, 'Fix: ', h('code', {}, c.fix)) : null,
        ),
      ),
    ),
  );
}

export async function connectionsPage(root: HTMLElement): Promise<void> {
  clear(root);
  const list = h('div', { 'data-testid': 'connection-list' });
  const formHost = h('div');
  root.append(
    h('h1', {}, 'Connections'),
    h('p', { class: 'muted' }, 'Sources and targets for changefeeds. Secrets are write-only: they are never shown again.'),
    h('button', { id: 'new-connection', onclick: () => showForm(blank(), true) }, 'New connection'),
    formHost,
    list,
  );

  async function refresh() {
    clear(list);
    try {
      const { items } = await api<{ items: Connection[] }>('GET', '/api/v1/connections');
      if (!items.length) {
        list.append(h('p', { class: 'muted' }, 'No connections yet.'));
        return;
      }
      list.append(
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Role', 'URI', ''].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            items.map((c) =>
              h(
                'tr',
                { 'data-connection': c.name },
                h('td', {}, h('b', {}, c.name)),
                h('td', {}, c.kind),
                h('td', {}, c.role),
                h('td', {}, h('code', {}, c.uri ?? '')),
                h(
                  'td',
                  { class: 'actions' },
                  h('button', { onclick: () => showForm(c, false) }, 'Edit'),
                  c.kind !== 'kafka' && c.role === 'source'
                    ? h('a', { class: 'button', href: `#/schema/${encodeURIComponent(c.name)}` }, 'Tables')
                    : null,
                  h(
                    'button',
                    {
                      class: 'danger',
                      onclick: async () => {
                        if (!confirm(`Remove connection ${c.name}?`)) return;
                        await api('DELETE', `/api/v1/connections/${encodeURIComponent(c.name)}`);
                        refresh();
                      },
                    },
                    'Remove',
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      list.append(errorBox((e as Error).message));
    }
  }

  function showForm(initial: Connection, creating: boolean) {
    clear(formHost);
    const c: Connection = JSON.parse(JSON.stringify(initial));
    const name = h('input', { id: 'conn-name', value: c.name, disabled: !creating, placeholder: 'maria-prod' });
    const kind = select('conn-kind', [['mariadb', 'MariaDB / MySQL'], ['postgresql', 'PostgreSQL'], ['kafka', 'Kafka']], c.kind);
    const role = select('conn-role', [['source', 'Source'], ['target', 'Target']], c.role);
    const hosts = h('input', { id: 'conn-hosts', value: c.hosts.join(', '), placeholder: 'host:port, host:port' });
    const user = h('input', { id: 'conn-user', value: c.user, autocomplete: 'off' });
    const password = h('input', {
      id: 'conn-password',
      type: 'password',
      autocomplete: 'new-password',
      placeholder: c.password_set ? '•••• stored (leave blank to keep)' : '',
    });
    const database = h('input', { id: 'conn-database', value: c.database });
    const topic = h('input', { id: 'conn-topic', value: c.topic, placeholder: 'cdc or cdc_{schema}_{table}' });
    const mech = select(
      'conn-auth-mechanism',
      [['none', 'None'], ['plain', 'SASL PLAIN'], ['scram-sha-256', 'SASL SCRAM-SHA-256'], ['scram-sha-512', 'SASL SCRAM-SHA-512'], ['gssapi', 'Kerberos (GSSAPI)']],
      c.auth.mechanism,
    );
    const saslUser = h('input', { id: 'conn-auth-username', value: c.auth.username, autocomplete: 'off' });
    const saslPassword = h('input', {
      id: 'conn-auth-password',
      type: 'password',
      autocomplete: 'new-password',
      placeholder: c.auth.password_set ? '•••• stored (leave blank to keep)' : '',
    });
    const krbPrincipal = h('input', { id: 'conn-krb-principal', value: c.auth.kerberos_principal, placeholder: 'sluice@EXAMPLE.COM' });
    const krbService = h('input', { id: 'conn-krb-service', value: c.auth.kerberos_service_name, placeholder: 'kafka' });
    const krbKeytab = h('input', { id: 'conn-krb-keytab', value: c.auth.kerberos_keytab, placeholder: '/etc/sluice/sluice.keytab' });
    const tls = h('input', { id: 'conn-tls-enabled', type: 'checkbox', checked: c.tls.enabled });
    const ca = h('input', { id: 'conn-tls-ca', value: c.tls.ca, placeholder: '/path/ca.pem' });
    const cert = h('input', { id: 'conn-tls-cert', value: c.tls.cert });
    const key = h('input', { id: 'conn-tls-key', value: c.tls.key });
    const insecure = h('input', { id: 'conn-tls-insecure', type: 'checkbox', checked: c.tls.insecure_skip_verify });
    const ack = select('conn-ack', [['-1', 'All in-sync replicas (-1)'], ['1', 'Leader (1)'], ['0', 'None (0)']], c.ack_mode);
    const compression = select('conn-compression', ['none', 'gzip', 'snappy', 'lz4', 'zstd'].map((x) => [x, x] as [string, string]), c.compression);
    const ignoreNonJson = h('input', { id: 'conn-ignore-non-json', type: 'checkbox', checked: c.ignore_non_json });
    const ignoreWriteErrors = h('input', { id: 'conn-ignore-write-errors', type: 'checkbox', checked: c.ignore_write_errors });
    const override = h('input', { id: 'conn-override', type: 'checkbox' });
    const testBtn = h('button', { id: 'conn-test', type: 'button' }, 'Test connection');
    const saveBtn = h('button', { id: 'conn-save', type: 'button', class: 'primary', disabled: true }, 'Save');
    const result = h('div', { class: 'test-host' });
    let passedFor = '';

    const dbOnly = h('div', { class: 'group' }, field('User', user), field('Password', password, 'Write-only.'), field('Database', database, 'PostgreSQL database / MariaDB target schema.'));
    const kafkaOnly = h(
      'div',
      { class: 'group' },
      field('Topic (expression)', topic, 'Default topic; a source reads it.'),
      field('Authentication', mech),
      h('div', { class: 'sasl' }, field('SASL user', saslUser), field('SASL password', saslPassword, 'Write-only.')),
      h('div', { class: 'kerberos' }, field('Kerberos principal', krbPrincipal), field('Kerberos service name', krbService), field('Keytab path', krbKeytab)),
      h('div', { class: 'target-only' }, field('Ack mode', ack), field('Compression', compression)),
      h('label', { class: 'check source-only' }, ignoreNonJson, ' Ignore non-JSON messages'),
    );
    const tlsGroup = h(
      'div',
      { class: 'group' },
      h('label', { class: 'check' }, tls, ' TLS'),
      h('div', { class: 'tls-fields' }, field('CA file', ca), field('Client certificate', cert), field('Client key', key), h('label', { class: 'check' }, insecure, ' Skip certificate verification (testing only)')),
    );
    const writeErr = h('label', { class: 'check db-target-only' }, ignoreWriteErrors, ' Ignore write errors (a row the database rejects is skipped and lost)');

    function read(): Connection {
      const out: Connection = {
        ...c,
        name: name.value.trim(),
        kind: kind.value as Connection['kind'],
        role: role.value as Connection['role'],
        hosts: hosts.value.split(',').map((x) => x.trim()).filter(Boolean),
        user: user.value,
        database: database.value,
        topic: topic.value,
        auth: {
          mechanism: mech.value,
          username: saslUser.value,
          kerberos_principal: krbPrincipal.value,
          kerberos_service_name: krbService.value,
          kerberos_keytab: krbKeytab.value,
        },
        tls: { enabled: tls.checked, ca: ca.value, cert: cert.value, key: key.value, insecure_skip_verify: insecure.checked },
        ack_mode: ack.value,
        compression: compression.value,
        ignore_non_json: ignoreNonJson.checked,
        ignore_write_errors: ignoreWriteErrors.checked,
      };
      delete out.password_set;
      delete (out as any).uri;
      delete (out as any).created_at_ms;
      delete (out as any).updated_at_ms;
      delete (out as any).test;
      delete (out as any).tested;
      out.auth = { ...out.auth };
      if (password.value) out.password = password.value;
      else delete out.password;
      if (saslPassword.value) out.auth.password = saslPassword.value;
      return out;
    }
    function sync() {
      const k = kind.value;
      const isKafka = k === 'kafka';
      dbOnly.hidden = isKafka;
      kafkaOnly.hidden = !isKafka;
      (kafkaOnly.querySelector('.sasl') as HTMLElement).hidden = !['plain', 'scram-sha-256', 'scram-sha-512'].includes(mech.value);
      (kafkaOnly.querySelector('.kerberos') as HTMLElement).hidden = mech.value !== 'gssapi';
      (kafkaOnly.querySelector('.target-only') as HTMLElement).hidden = role.value !== 'target';
      (kafkaOnly.querySelector('.source-only') as HTMLElement).hidden = role.value !== 'source';
      (tlsGroup.querySelector('.tls-fields') as HTMLElement).hidden = !tls.checked;
      writeErr.hidden = isKafka || role.value !== 'target';
      const current = JSON.stringify(read());
      saveBtn.disabled = !(override.checked || passedFor === current);
    }
    kind.addEventListener('change', () => {
      const port = { mariadb: '3306', postgresql: '5432', kafka: '9092' }[kind.value] ?? '';
      if (/^127\.0\.0\.1:\d+$/.test(hosts.value) && hosts.value === c.hosts.join(', ')) hosts.value = `127.0.0.1:${port}`;
    });

    testBtn.addEventListener('click', async () => {
      clear(result);
      result.append(h('p', { class: 'muted' }, 'Testing…'));
      testBtn.disabled = true;
      const snapshot = read();
      try {
        const r = await api<TestResult>('POST', '/api/v1/connections/test', snapshot);
        clear(result);
        result.append(renderTestResult(r));
        passedFor = r.passed ? JSON.stringify(snapshot) : '';
      } catch (e) {
        clear(result);
        result.append(errorBox((e as Error).message, 'form-error'));
        passedFor = '';
      } finally {
        testBtn.disabled = false;
        sync();
      }
    });
    saveBtn.addEventListener('click', async () => {
      const body = read();
      body.skip_test = override.checked && passedFor !== JSON.stringify(body);
      try {
        if (creating) await api('POST', '/api/v1/connections', body);
        else await api('PUT', `/api/v1/connections/${encodeURIComponent(body.name)}`, body);
        clear(formHost);
        refresh();
      } catch (e) {
        clear(result);
        const err = e as ApiError;
        if (err.body?.error?.test) result.append(renderTestResult(err.body.error.test));
        result.append(errorBox(err.message, 'form-error'));
      }
    });

    const form = h(
      'form',
      { class: 'card', id: 'connection-form', onsubmit: (e: Event) => e.preventDefault(), oninput: sync, onchange: sync },
      h('h2', {}, creating ? 'New connection' : `Edit ${c.name}`),
      h('div', { class: 'row' }, field('Name', name), field('Kind', kind), field('Role', role)),
      field('Hosts', hosts, 'host:port; Kafka takes several, comma-separated.'),
      dbOnly,
      kafkaOnly,
      tlsGroup,
      writeErr,
      h(
        'div',
        { class: 'buttons' },
        testBtn,
        saveBtn,
        h('label', { class: 'check' }, override, ' Save without a passing test'),
        h('button', { type: 'button', onclick: () => clear(formHost) }, 'Cancel'),
      ),
      result,
    );
    formHost.append(form);
    sync();
    name.focus();
  }

  await refresh();
}
