// The sluice web console: a hash-routed single page over the server's REST API.
//   #/changefeeds, #/changefeeds/<id>, #/wizard, #/connections,
//   #/schema[/<connection>[/<schema>/<table>]], #/login
import { api, ApiError, setToken, token } from './api';
import { changefeedDetailPage, changefeedListPage } from './pages/changefeeds';
import { connectionsPage } from './pages/connections';
import { schemaPage } from './pages/schema';
import { wizardPage } from './pages/wizard';
import './style.css';
import { clear, errorBox, h } from './ui';

const app = document.getElementById('app')!;
const nav = h(
  'nav',
  {},
  h('span', { class: 'brand' }, 'sluice'),
  h('a', { href: '#/changefeeds', 'data-nav': 'changefeeds' }, 'Changefeeds'),
  h('a', { href: '#/wizard', 'data-nav': 'wizard' }, 'New changefeed'),
  h('a', { href: '#/connections', 'data-nav': 'connections' }, 'Connections'),
  h('a', { href: '#/schema', 'data-nav': 'schema' }, 'Schema browser'),
  h('span', { class: 'spacer' }),
  h('a', { href: '#/login', id: 'logout', onclick: () => setToken('') }, 'Sign out'),
);
const main = h('main', {});
app.append(nav, main);

let stop: (() => void) | undefined;

function navigate(hash: string): void {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function loginPage(message = ''): void {
  nav.hidden = true;
  clear(main);
  const input = h('input', { id: 'login-token', type: 'password', placeholder: 'API token', autocomplete: 'current-password' });
  const form = h(
    'form',
    { class: 'card login', id: 'login-form' },
    h('h1', {}, 'sluice console'),
    h('p', {}, 'This server needs its API token (sluice server --token / SLUICE_API_TOKEN). It is kept in this tab only (sessionStorage).'),
    input,
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    message ? errorBox(message, 'login-error') : null,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setToken(input.value);
    try {
      await api('GET', '/api/v1/changefeeds');
      navigate('#/changefeeds');
    } catch (err) {
      setToken('');
      loginPage(err instanceof ApiError && err.status === 401 ? 'Wrong token.' : (err as Error).message);
    }
  });
  main.append(form);
  input.focus();
}

async function route(): Promise<void> {
  stop?.();
  stop = undefined;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const page = parts[0] || 'changefeeds';
  if (page === 'login') return loginPage();
  // Every page needs the API; a 401 sends the user to the login page.
  try {
    await api('GET', '/api/v1/changefeeds');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return loginPage(token() ? 'The token was rejected.' : '');
  }
  nav.hidden = false;
  for (const a of nav.querySelectorAll('a[data-nav]')) a.classList.toggle('active', a.getAttribute('data-nav') === page);
  try {
    switch (page) {
      case 'connections':
        await connectionsPage(main);
        break;
      case 'wizard':
        await wizardPage(main, navigate);
        break;
      case 'schema':
        await schemaPage(main, parts[1] ?? '', navigate, parts[2] ?? '', parts[3] ?? '');
        break;
      case 'changefeeds':
        stop = parts[1] ? changefeedDetailPage(main, parts[1], navigate) : changefeedListPage(main);
        break;
      default:
        clear(main);
        main.append(errorBox(`No page ${page}`));
    }
  } catch (err) {
    clear(main);
    main.append(errorBox((err as Error).message));
  }
}

window.addEventListener('hashchange', route);
route();
