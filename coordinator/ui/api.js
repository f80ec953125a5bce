// The coordinator's REST API as the console uses it: the admin token from session storage as
// the bearer header (no cookies, so nothing for another site to ride on), JSON in and out, and a
// 401 anywhere signs the console out.
const TOKEN_KEY = 'photon.admin-token';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    const text = body && typeof body.error === 'string' ? body.error : `HTTP ${status}`;
    const field = body && body.field ? ` (${body.field})` : '';
    super(text + field);
    this.status = status;
    this.body = body;
  }
}

// Fired on window when the coordinator refuses the token: the app shows the sign-in page.
export const SIGNED_OUT = 'photon-signed-out';

export async function api(method, path, body, { signal } = {}) {
  const headers = { Authorization: `Bearer ${session.token() || ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    credentials: 'omit',
    cache: 'no-store',
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401) {
    session.signOut();
    window.dispatchEvent(new Event(SIGNED_OUT));
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// A GET whose 404 is an answer (a node or deployment that went away): null.
export async function getOrNull(path) {
  try {
    return await api('GET', path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

export const enc = encodeURIComponent;
