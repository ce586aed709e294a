// End-to-end test of the web console: Playwright (playwright-core from web/node_modules) drives
// Debian's Chromium against a real `sluice server`, the fixture's MariaDB and Kafka:
// login with the API token -> connections (a failing test with its fix, then passing tests,
// saved) -> schema browser -> the changefeed wizard (with one validation error that sends the
// user back to the field) -> create -> rows inserted in MariaDB show up on the detail page and
// in the Kafka topic -> pause, resume, remove. A screenshot of each step goes to
// $SLUICE_WEB_ARTIFACTS (build/test-artifacts/web by default).
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
  try {
    sql(`CREATE DATABASE ${db}; CREATE TABLE ${db}.orders (id INT PRIMARY KEY, item VARCHAR(40), amount DECIMAL(10,2));`);
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

    // --- Schema browser.
    await page.goto(server.url + '/#/schema/maria');
    await page.waitForSelector(`tr[data-table="${db}.orders"]`);
    await page.fill('#schema-filter', db);
    await shot(page, 'schema-browser');

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
    await page.selectOption('#wz-protocol', 'canal-json');
    await page.check('#wz-tidb_extension');
    await page.selectOption('#wz-topic_mode', 'table');
    await page.fill('#wz-prefix', prefix);
    await page.fill('#wz-separator', '_');
    await page.fill('#wz-default_topic', `${prefix}default_${unique}`);
    await page.waitForFunction((t) => document.querySelector('[data-testid=topic-preview]')?.textContent?.includes(t), topic);
    await page.selectOption('#wz-partition', 'index-value');
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
    await shot(page, 'wizard-step3-review');
    await page.click('#wz-create');

    // --- Detail page: rows arrive.
    await page.waitForSelector('[data-testid=changefeed-detail] [data-testid=cf-rows]');
    await page.waitForFunction(() => document.querySelector('[data-testid=cf-state]')?.textContent === 'normal');
    sql(`INSERT INTO ${db}.orders VALUES (1, 'apple', 1.50), (2, 'pear', 2.25), (3, 'plum', 0.75)`);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=cf-rows]')?.textContent) >= 3, null, {
      timeout: 60000,
    });
    await page.waitForTimeout(2500); // one more poll so the sparkline has a point
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
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=cf-rows]')?.textContent) >= 1, null, {
      timeout: 60000,
    });
    for (let i = 0; i < 30 && rows.length < 4; i++) {
      rows = kafkaRows();
      if (rows.length < 4) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.deepEqual(rows.map((m) => Number(m.data[0].id)).sort(), [1, 2, 3, 4], 'the row written while paused arrives after resume');
    await page.click('a[data-nav=changefeeds]');
    await page.waitForSelector(`tr[data-changefeed="web_${unique}"]`);
    await shot(page, 'changefeed-list');
    await page.click(`tr[data-changefeed="web_${unique}"] button[data-action=remove]`);
    await page.waitForSelector(`tr[data-changefeed="web_${unique}"]`, { state: 'detached' });
    await shot(page, 'changefeed-removed');
    console.log('web console e2e: all steps passed');
  } catch (e) {
    console.error(server.log().slice(-4000));
    throw e;
  } finally {
    await browser?.close();
    server.proc.kill('SIGTERM');
    try {
      sql(`DROP DATABASE IF EXISTS ${db}`);
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
