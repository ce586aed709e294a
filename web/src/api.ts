// The sluice HTTP API as the console uses it. The token (if the server needs one) lives in
// sessionStorage only and goes out as "Authorization: Bearer <token>".

const TOKEN_KEY = 'sluice.token';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public body: any,
  ) {
    super(message);
  }
}

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}
export function setToken(t: string): void {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const t = token();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (res.status === 401 && location.hash !== '#/login') {
    // The token expired or the server restarted with another one: back to the login page.
    setToken('');
    location.hash = '#/login';
  }
  if (!res.ok) {
    const err = json?.error ?? {};
    throw new ApiError(res.status, err.code ?? String(res.status), err.message ?? text, json);
  }
  return json as T;
}

export interface Check {
  name: string;
  passed: boolean;
  skipped: boolean;
  detail: string;
  fix: string;
}
export interface TestResult {
  passed: boolean;
  checks: Check[];
}

export interface Connection {
  name: string;
  kind: 'mariadb' | 'postgresql' | 'kafka';
  role: 'source' | 'target';
  hosts: string[];
  user: string;
  password?: string;
  password_set?: boolean;
  database: string;
  topic: string;
  auth: {
    mechanism: string;
    username: string;
    password?: string;
    password_set?: boolean;
    kerberos_principal: string;
    kerberos_service_name: string;
    kerberos_keytab: string;
  };
  tls: { enabled: boolean; ca: string; cert: string; key: string; insecure_skip_verify: boolean };
  ack_mode: string;
  compression: string;
  ignore_non_json: boolean;
  ignore_write_errors: boolean;
  options?: Record<string, string>;
  uri?: string;
  skip_test?: boolean;
}

export interface Changefeed {
  id: string;
  state: string;
  // Why the state is `warning` ("all brokers down since …; checkpoint lag 25 s and growing").
  state_reason: string;
  target_unreachable_since_ms: number;
  desired: string;
  source_uri: string;
  sink_uri: string;
  filter_rules: string[];
  dispatchers: { matcher: string[]; topic: string; partition: string; columns?: string[] }[];
  checkpoint: string;
  checkpoint_time_ms: number;
  lag_ms: number;
  error: string;
  // rows = rows_read (kept for older clients); rows_delivered: in transactions the target acknowledged.
  counters: { rows: number; rows_read: number; rows_delivered: number; messages: number; bytes: number; errors: number; restarts: number };
  rows_per_second?: number;
  tables?: TableCount[];
  created_at_ms: number;
  updated_at_ms: number;
}

export interface TableListing {
  tables: { schema: string; table: string; type: string; rows: number }[];
  count: number;
  refreshed_at_ms: number;
  next_refresh_at_ms: number;
  duration_ms: number;
  schedule: string;
  error: string;
}

export interface TableCount {
  schema: string;
  table: string;
  inserts: number;
  updates: number;
  deletes: number;
  rows: number;
}

// GET /api/v1/changefeeds/{id}/history: samples as columns, oldest first.
export interface History {
  interval_ms: number;
  span_ms: number;
  samples: { at_ms: number[]; rows_per_second: number[]; lag_ms: number[]; rows: number[] };
  events: { at_ms: number; kind: string; detail: string }[];
}

// GET /api/v1/connections/{name}/tables/{schema}/{table}
export interface TableDetail {
  schema: string;
  table: string;
  type: string;
  rows: number;
  columns: { name: string; type: string; nullable: boolean; key: string; supported: boolean; note: string }[];
  keys: { name: string; primary: boolean; columns: string[] }[];
  settings: Record<string, string>;
  capture: { capturable: boolean; checks: { name: string; status: 'pass' | 'warn' | 'fail'; detail: string; fix: string }[] };
  changefeeds: { id: string; state: string; lag_ms: number }[];
}

export function enc(s: string): string {
  return encodeURIComponent(s);
}
