// End-to-end test of the web console: Playwright (playwright-core from web/node_modules) drives
// Debian's Chromium against a real `sluice server`, the fixture's MariaDB and Kafka:
// login with the API token -> connections (a failing test with its fix, then passing tests,
// saved) -> a second changefeed (MariaDB -> MariaDB, made through the API) that lags because a
// session holds a lock on its target row -> schema browser (a table's columns, keys, capture
// checks and the changefeed that captures it) -> the changefeed wizard (fields per format, one
// validation error that sends the user back to the field, the review's sink URI, TOML and CLI
// command) -> create -> rows inserted in MariaDB show up on the detail page (rows/s and lag
// charts with labelled axes, per-table counts) and in the Kafka topic -> pause, resume -> the
// list (search, sort, the lagging changefeed marked) -> the lagging changefeed's page (its lag
// chart, the lock-wait error and restart marked on the timeline) -> remove. A screenshot of each
// view goes to $SLUICE_WEB_ARTIFACTS (build/test-artifacts/web by default).
//
// Run by ctest as web_console_e2e (tests/web/CMakeLists.txt). Exits non-zero on any failure.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const need = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set; run this test through ctest (web_console_e2e)`);
  return v;
};
const repo = need('SLUICE_SOURCE_DIR');
const sluiceBin = need('SLUICE_BIN');
const consoleDir = need('SLUICE_CONSOLE_DIR');
const artifacts = process.env.SLUICE_WEB_ARTIFACTS ?? path.join(repo, 'build/test-artifacts/web');
const chromiumPath = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';

// The servers fixture's environment (scripts/test-env.sh).
const env = Object.fromEntries(
  readFileSync(need('SLUICE_TEST_ENV'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const require = createRequire(path.join(repo, 'web/package.json'));
const { chromium } = require('playwright-core');

const unique = `${process.pid}_${Date.now() % 100000}`;
const db = `web_${unique}`;
const token = `tok-${unique}`;
const mariaPort = env.SLUICE_MARIADB_PORT;
const kafka = env.SLUICE_KAFKA_BOOTSTRAP;
const prefix = 'e2e_';
const topic = `${prefix}${db}_orders`;
const lagDb = `${db}_lag`; // source of the lagging changefeed
const copyDb = `${db}_copy`; // its target
const lagId = `lag_${unique}`;

function sql(statement) {
  return execFileSync('mariadb', ['--no-defaults', '-uroot', '-S', env.SLUICE_MARIADB_SOCKET, '-N', '-e', statement], {
    encoding: 'utf8',
  });
}

let step = 0;
async function shot(page, name) {
  step += 1;
  const file = path.join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
}

// Ends the session that holds the target row's lock (a closed client is not noticed during
// SLEEP, so the server is told to kill it), then the client process.
const LOCK_SLEEP = 'SELECT SLEEP(400)';
function releaseLock(proc) {
  try {
    for (const id of sql(`SELECT id FROM information_schema.processlist WHERE info = '${LOCK_SLEEP}'`).split('\n').filter(Boolean)) {
      sql(`KILL ${id}`);
    }
  } catch {}
  proc.kill('SIGTERM');
}

// The REST API, as curl would call it.
async function rest(server, method, path, body) {
  const res = await fetch(server.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitUntil(what, fn, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// Visible text of the elements matching `selector`.
async function texts(page, selector) {
  return page.locator(selector).allTextContents();
}

// True when the chart's canvas has drawn pixels (axes, grid, line).
async function canvasPainted(page, testid) {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid=${id}] canvas`);
    if (!c || !c.width || !c.height) return false;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
    return painted > 500;
  }, testid);
}

async function startServer(stateDir) {
  const proc = spawn(sluiceBin, ['server', '--addr', '127.0.0.1:0', '--state-dir', stateDir, '--token', token, '--console-dir', consoleDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => (log += d));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sluice server did not start:\n${log}`)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`sluice server exited with ${code}:\n${log}`)));
  });
  return { proc, url, log: () => log };
}

function kafkaRows() {
  let out = '';
  try {
    out = execFileSync(sluiceBin, ['consume', '--brokers', kafka, '--topic', topic, '--timeout', '5'], { encoding: 'utf8' });
  } catch (e) {
    return [];
  }
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((m) => m.type === 'INSERT');
}

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const stateDir = mkdtempSync(path.join(tmpdir(), 'sluice-web-state-'));
  const profile = mkdtempSync(path.join(tmpdir(), 'sluice-web-chromium-'));
  const server = await startServer(stateDir);
  console.log(`sluice server at ${server.url}`);
  let browser;
  let lockHolder;
  try {
    sql(`CREATE DATABASE ${db}; CREATE TABLE ${db}.orders (id INT PRIMARY KEY, item VARCHAR(40), amount DECIMAL(10,2));`);
    sql(
      `CREATE DATABASE ${lagDb}; CREATE TABLE ${lagDb}.lagsrc (id INT PRIMARY KEY, v VARCHAR(20), note TEXT, UNIQUE KEY uk_v (v));` +
        `CREATE DATABASE ${copyDb}; CREATE TABLE ${copyDb}.lagsrc (id INT PRIMARY KEY, v VARCHAR(20), note TEXT, UNIQUE KEY uk_v (v));`,
    );
    // A fresh, empty profile directory (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (d) => d.accept());
    page.setDefaultTimeout(30000);

    // --- Login: the API needs the token; a wrong one is refused.
    await page.goto(server.url + '/');
    await page.waitForSelector('#login-token');
    await page.fill('#login-token', 'wrong-token');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('[data-testid=login-error]');
    await shot(page, 'login-wrong-token');
    await page.fill('#login-token', token);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('[data-testid=changefeed-list]');

    // --- Connections: MariaDB source; first with a wrong password (the failed check and its fix).
    await page.click('a[data-nav=connections]');
    await page.click('#new-connection');
    await page.fill('#conn-name', 'maria');
    await page.selectOption('#conn-kind', 'mariadb');
    await page.selectOption('#conn-role', 'source');
    await page.fill('#conn-hosts', `127.0.0.1:${mariaPort}`);
    await page.fill('#conn-user', 'sluice');
    await page.fill('#conn-password', 'not-the-password');
    await page.click('#conn-test');
    await page.waitForSelector('[data-testid=test-result][data-passed=false]');
    const failed = page.locator('[data-check=authentication]');
    assert.match(await failed.textContent(), /FAIL/);
    assert.match(await failed.textContent(), /Fix:/);
    assert.equal(await page.isDisabled('#conn-save'), true, 'Save must stay disabled after a failed test');
    await shot(page, 'connection-test-failed');
    await page.fill('#conn-password', env.SLUICE_MARIADB_PASSWORD);
    await page.click('#conn-test');
    await page.waitForSelector('[data-testid=test-result][data-passed=true]');
    for (const check of ['authentication', 'privileges', 'setting binlog_format', 'replication preflight']) {
      assert.match(await page.locator(`[data-check="${check}"]`).textContent(), /PASS/, check);
    }
    await shot(page, 'connection-test-passed');
    await page.click('#conn-save');
    await page.waitForSelector('tr[data-connection=maria]');
    // Secrets are write-only: the list shows the URI masked, never the password.
    const listText = await page.textContent('[data-testid=connection-list]');
    assert.ok(!listText.includes(env.SLUICE_MARIADB_PASSWORD + '@'), 'password must not be shown');

    // Kafka target.
    await page.click('#new-connection');
    await page.fill('#conn-name', 'kafka');
    await page.selectOption('#conn-kind', 'kafka');
    await page.selectOption('#conn-role', 'target');
    await page.fill('#conn-hosts', kafka);
    await page.fill('#conn-topic', `${prefix}default_${unique}`);
    await page.selectOption('#conn-auth-mechanism', 'none');
    await page.selectOption('#conn-ack', '-1');
    await page.selectOption('#conn-compression', 'lz4');
    await page.click('#conn-test');
    await page.waitForSelector('[data-testid=test-result][data-passed=true]');
    assert.match(await page.textContent('[data-testid=test-result]'), /reachable/);
    await shot(page, 'kafka-connection-test-passed');
    await page.click('#conn-save');
    await page.waitForSelector('tr[data-connection=kafka]');
    await shot(page, 'connections');

    // --- A changefeed that lags: MariaDB -> MariaDB, its first row committed (by the session's
    // timestamp) 15 minutes ago, then an update of that row that the target cannot apply while
    // another session holds the row's lock. The checkpoint stays at the old row; the source has
    // newer data: lag = now - 15 min and growing. After innodb_lock_wait_timeout the sink's write
    // fails and the changefeed retries (an error and a restart on its timeline).
    const mariaUri = (path) => `mysql://${env.SLUICE_MARIADB_USER}:${env.SLUICE_MARIADB_PASSWORD}@127.0.0.1:${mariaPort}/${path}`;
    await rest(server, 'POST', '/api/v1/changefeeds', {
      id: lagId,
      source_uri: mariaUri(`?start=now&server-id=${1_000_000 + (process.pid % 100000)}`),
      sink_uri: mariaUri(`?database=${copyDb}&max-retries=0`), // the first lock-wait timeout restarts it
      filter_rules: [`${lagDb}.lagsrc`],
    });
    await waitUntil('the lagging changefeed to run', async () => (await rest(server, 'GET', `/api/v1/changefeeds/${lagId}`)).state === 'normal');
    sql(`SET timestamp = UNIX_TIMESTAMP() - 900; INSERT INTO ${lagDb}.lagsrc VALUES (1, 'one', 'committed 15 min ago')`);
    await waitUntil('the old row on the target', () => sql(`SELECT COUNT(*) FROM ${copyDb}.lagsrc`).trim() === '1');
    await waitUntil('a checkpoint of the old row', async () => (await rest(server, 'GET', `/api/v1/changefeeds/${lagId}`)).checkpoint_time_ms > 0);
    lockHolder = spawn(
      'mariadb',
      ['--no-defaults', '-uroot', '-S', env.SLUICE_MARIADB_SOCKET, '-e', `BEGIN; SELECT id FROM ${copyDb}.lagsrc WHERE id = 1 FOR UPDATE; ${LOCK_SLEEP};`],
      { stdio: 'ignore' },
    );
    await waitUntil('the lock on the target row', () =>
      sql(`SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_rows_locked > 0`).trim() !== '0',
    );
    sql(`UPDATE ${lagDb}.lagsrc SET v = 'uno' WHERE id = 1`);
    await waitUntil('the changefeed to lag', async () => (await rest(server, 'GET', `/api/v1/changefeeds/${lagId}`)).lag_ms > 60000);

    // --- Schema browser: a table opens to its columns, keys, capture checks and changefeeds.
    await page.goto(server.url + '/#/schema/maria');
    await page.waitForSelector(`tr[data-table="${db}.orders"]`);
    await page.fill('#schema-filter', db);
    await page.click(`a[data-open-table="${db}.orders"]`);
    await page.waitForSelector(`[data-testid=table-detail][data-table="${db}.orders"]`);
    assert.deepEqual(await texts(page, '[data-testid=column-list] tbody tr td:nth-child(2)'), ['id', 'item', 'amount']);
    // #, name, type, nullable, key, note
    assert.deepEqual(await texts(page, '[data-testid=column-list] tr[data-column=id] td'), ['1', 'id', 'int(11)', 'no', 'PRI', '']);
    assert.deepEqual(await texts(page, '[data-testid=column-list] tr[data-column=amount] td'), ['3', 'amount', 'decimal(10,2)', 'yes', '', '']);
    assert.equal(await page.textContent('[data-testid=capture-verdict]'), 'can be captured');
    assert.equal(await page.getAttribute('[data-check="row image"]', 'data-status'), 'pass');
    assert.match(await page.textContent('[data-check="row image"]'), /binlog_row_image=FULL/);
    assert.match(await page.textContent('[data-testid=key-list]'), /PRIMARY.*\(id\)/);
    assert.match(await page.textContent('[data-testid=capturing-changefeeds]'), /No changefeed captures/);
    assert.ok(await page.isVisible(`tr.selected[data-table="${db}.orders"]`), 'the open table is marked in the list');
    await shot(page, 'schema-table-detail');
    // The lagging changefeed's table: captured by it; its unique key is listed.
    await page.goto(server.url + `/#/schema/maria/${lagDb}/lagsrc`);
    await page.waitForSelector(`[data-testid=table-detail][data-table="${lagDb}.lagsrc"]`);
    assert.match(await page.textContent('[data-testid=capturing-changefeeds]'), new RegExp(lagId));
    assert.match(await page.textContent('[data-testid=key-list]'), /UNIQUE.*uk_v \(v\)/);

    // --- Wizard, step 1: target.
    await page.click('a[data-nav=wizard]');
    await page.waitForSelector('[data-step="1"]');
    await page.selectOption('#wz-source', 'maria');
    await page.selectOption('#wz-target', 'kafka');
    await page.fill('#wz-filter', `${db}.*`);
    assert.equal(await page.inputValue('#wz-compression'), 'lz4', 'compression comes from the connection');
    await shot(page, 'wizard-step1-target');
    await page.click('#wz-next');

    // Step 2: settings, with the live topic preview and a bad partition number.
    await page.waitForSelector('[data-step="2"]');
    await page.fill('#wz-id', `web_${unique}`);
    // Fields per format: the schema registry belongs to Avro only, Debezium has its own.
    await page.selectOption('#wz-protocol', 'avro');
    await page.waitForSelector('#wz-registry');
    assert.equal(await page.locator('#wz-dbz_decimal').count(), 0, 'no Debezium fields for Avro');
    await shot(page, 'wizard-step2-avro');
    await page.selectOption('#wz-protocol', 'debezium');
    await page.waitForSelector('#wz-dbz_decimal');
    assert.equal(await page.locator('#wz-registry').count(), 0, 'no schema registry for Debezium');
    await page.selectOption('#wz-protocol', 'canal-json');
    assert.equal(await page.locator('#wz-registry, #wz-decimal, #wz-dbz_decimal').count(), 0, 'no format fields for Canal-JSON');
    await page.check('#wz-tidb_extension');
    await page.selectOption('#wz-topic_mode', 'table');
    await page.fill('#wz-prefix', prefix);
    await page.fill('#wz-separator', '_');
    await page.fill('#wz-default_topic', `${prefix}default_${unique}`);
    await page.waitForFunction((t) => document.querySelector('[data-testid=topic-preview]')?.textContent?.includes(t), topic);
    await page.selectOption('#wz-partition', 'columns');
    await page.waitForSelector('#wz-columns');
    await page.selectOption('#wz-partition', 'index-value');
    assert.equal(await page.locator('#wz-columns').count(), 0, 'the columns field is for partition by columns only');
    await page.fill('#wz-partition_num', '0');
    await page.fill('#wz-replication_factor', '1');
    await shot(page, 'wizard-step2-settings');
    await page.click('#wz-next');

    // Step 3: the error links back to the field.
    await page.waitForSelector('[data-step="3"] [data-testid=fix-partition_num]');
    await shot(page, 'wizard-step3-validation-error');
    await page.click('[data-testid=fix-partition_num]');
    await page.waitForSelector('[data-step="2"]');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'wz-partition_num', 'focus is on the bad field');
    await page.waitForSelector('[data-testid=field-error-partition_num]');
    await shot(page, 'wizard-back-at-field');
    await page.fill('#wz-partition_num', '2');
    await page.click('#wz-next');
    await page.waitForSelector('[data-testid=server-valid]');
    // The review shows what will be created, in the CLI's forms.
    const sinkUri = await page.textContent('[data-testid=review-sink-uri]');
    assert.match(sinkUri, /^kafka:\/\/.+\/e2e_default_.*protocol=canal-json/);
    assert.match(sinkUri, /enable-tidb-extension=true/);
    assert.match(sinkUri, /partition-num=2/);
    const toml = await page.textContent('[data-testid=review-toml]');
    assert.ok(toml.includes(`rules = ['${db}.*']`), toml);
    assert.ok(toml.includes(`topic = '${prefix}{schema}_{table}'`), toml);
    assert.ok(toml.includes(`partition = 'index-value'`), toml);
    assert.match(await page.textContent('[data-testid=review-cli]'), /sluice cli changefeed create --id 'web_/);
    assert.ok(await page.isVisible('[data-testid=copy-review-sink-uri]'));
    await shot(page, 'wizard-step3-review');
    await page.click('#wz-create');

    // --- Detail page: rows arrive.
    await page.waitForSelector('[data-testid=changefeed-detail] [data-testid=cf-rows]');
    await page.waitForFunction(() => document.querySelector('[data-testid=cf-state]')?.textContent === 'normal');
    sql(`INSERT INTO ${db}.orders VALUES (1, 'apple', 1.50), (2, 'pear', 2.25), (3, 'plum', 0.75)`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=cf-rows]')?.textContent?.replace(/,/g, '')) >= 3, null, {
      timeout: 60000,
    });
    // Charts: two samples of the server's history (one every 5 s) draw a line; axes labelled.
    await page.waitForFunction(() => document.querySelector('[data-testid=chart-rate] .chart-empty')?.hidden === true, null, { timeout: 60000 });
    for (const [chart, unit] of [['chart-rate', 'rows/s'], ['chart-lag', 'lag (s)']]) {
      assert.equal(await page.textContent(`[data-testid=${chart}-y-label]`), unit);
      assert.equal(await page.textContent(`[data-testid=${chart}-x-label]`), 'time (UTC), last hour');
      assert.match(await page.textContent(`[data-testid=${chart}-now]`), /^now \d/);
      assert.ok(await canvasPainted(page, chart), `${chart} is drawn`);
    }
    await page.waitForFunction((t) => document.querySelector(`[data-testid=cf-tables] tr[data-table="${t}"] [data-testid=table-rows]`)?.textContent === '3', `${db}.orders`);
    await shot(page, 'changefeed-detail-rows');
    let rows = [];
    for (let i = 0; i < 20 && rows.length < 3; i++) {
      rows = kafkaRows();
      if (rows.length < 3) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.deepEqual(
      rows.map((m) => Number(m.data[0].id)).sort(),
      [1, 2, 3],
      `topic ${topic} must hold the three inserted rows`,
    );
    assert.equal(rows[0].database, db);
    assert.ok(rows[0]._tidb, 'TiDB extension toggle reached the encoder');

    // --- Pause, resume (rows written while paused arrive after resume), remove.
    await page.click('[data-testid=changefeed-detail] button[data-action=pause]');
    await page.waitForFunction(() => document.querySelector('[data-testid=cf-state]')?.textContent === 'paused');
    await shot(page, 'changefeed-paused');
    sql(`INSERT INTO ${db}.orders VALUES (4, 'fig', 3.00)`);
    await page.click('[data-testid=changefeed-detail] button[data-action=resume]');
    await page.waitForFunction(() => document.querySelector('[data-testid=cf-state]')?.textContent === 'normal');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=cf-rows]')?.textContent?.replace(/,/g, '')) >= 1, null, {
      timeout: 60000,
    });
    for (let i = 0; i < 30 && rows.length < 4; i++) {
      rows = kafkaRows();
      if (rows.length < 4) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.deepEqual(rows.map((m) => Number(m.data[0].id)).sort(), [1, 2, 3, 4], 'the row written while paused arrives after resume');
    // Pause and resume are marked on the timeline.
    await page.waitForSelector('[data-testid=chart-rate] .chart-marker[data-kind=resumed]');
    await page.waitForSelector('[data-testid=cf-events] li[data-kind=paused]');

    // --- The list: the lagging changefeed is marked; search and sort.
    await page.click('a[data-nav=changefeeds]');
    await page.waitForSelector(`tr[data-changefeed="web_${unique}"]`);
    await page.waitForSelector(`tr[data-changefeed="${lagId}"][data-lagging=true] [data-testid=lag-badge]`);
    assert.equal(await page.getAttribute(`tr[data-changefeed="web_${unique}"]`, 'data-lagging'), 'false');
    assert.match(await page.textContent('[data-testid=changefeed-summary]'), /1 lagging/);
    await page.click('button[data-sort=lag]');
    assert.deepEqual(
      await page.$$eval('[data-testid=changefeed-list] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-changefeed'))),
      [lagId, `web_${unique}`],
      'sorted by lag, largest first',
    );
    await shot(page, 'changefeed-list');
    await page.fill('#cf-search', 'lag_');
    await page.waitForSelector(`tr[data-changefeed="web_${unique}"]`, { state: 'detached' });
    assert.equal(await page.locator('[data-testid=changefeed-list] tbody tr').count(), 1);
    await page.fill('#cf-search', '');

    // --- The lagging changefeed: its lag chart, and the lock-wait error and restart on the timeline.
    await page.click(`a[href="#/changefeeds/${lagId}"]`);
    await page.waitForSelector('[data-testid=changefeed-detail] [data-testid=lag-badge]');
    await page.waitForSelector('[data-testid=chart-lag] .chart-marker[data-kind=restart]', { timeout: 180000 });
    await page.waitForSelector('[data-testid=chart-lag] .chart-marker[data-kind=error]');
    await page.waitForFunction(() => document.querySelector('[data-testid=chart-lag] .chart-empty')?.hidden === true);
    assert.match(await page.textContent('[data-testid=chart-lag-now]'), /^now [\d.]+ (s|min|h)$/);
    console.log('lagging changefeed:', JSON.stringify(await rest(server, 'GET', `/api/v1/changefeeds/${lagId}`)));
    // The largest lag of the hour is on the chart: the 15 minutes before the first retry.
    const lagMax = await rest(server, 'GET', `/api/v1/changefeeds/${lagId}/history`).then((h) => Math.max(...h.samples.lag_ms));
    assert.ok(lagMax > 800000, `the lag chart holds the 15 minutes (${lagMax} ms)`);
    assert.match(await page.textContent('[data-testid=cf-events]'), /restart/);
    assert.ok(await canvasPainted(page, 'chart-lag'));
    await shot(page, 'changefeed-lagging');
    // Let the target go: the update arrives and the changefeed catches up.
    releaseLock(lockHolder);
    await waitUntil('the update on the target', () => sql(`SELECT v FROM ${copyDb}.lagsrc WHERE id = 1`).trim() === 'uno', 120000);
    await rest(server, 'DELETE', `/api/v1/changefeeds/${lagId}`);
    await page.click('a[data-nav=changefeeds]');
    await page.click(`tr[data-changefeed="web_${unique}"] button[data-action=remove]`);
    await page.waitForSelector(`tr[data-changefeed="web_${unique}"]`, { state: 'detached' });
    await shot(page, 'changefeed-removed');
    console.log('web console e2e: all steps passed');
  } catch (e) {
    console.error(server.log().slice(-4000));
    throw e;
  } finally {
    await browser?.close();
    if (lockHolder) releaseLock(lockHolder);
    server.proc.kill('SIGTERM');
    try {
      sql(`DROP DATABASE IF EXISTS ${db}; DROP DATABASE IF EXISTS ${lagDb}; DROP DATABASE IF EXISTS ${copyDb}`);
    } catch {}
    rmSync(profile, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
