// HTTP access of the page: the bearer token, problem+json answers, whole lists, and the event stream.
// Plain ES module, no build step: served by the service as it is.

const TOKEN_KEY = 'sva.token';

/** The token of this tab (sessionStorage: gone when the tab closes, never shared with other tabs). */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  const t = token();
  if (t) {
    h.Authorization = 'Bearer ' + t;
  }
  return h;
}

/** What a refusal of the caller's identity means, in words, before the service's own detail. */
const REFUSED = {
  401: 'Not signed in (401 UNAUTHENTICATED). Enter a valid bearer token above',
  403: 'Not allowed with this token (403 FORBIDDEN)',
};

/** A non-2xx answer: the problem's code and detail when the service sent problem+json. */
export class ApiError extends Error {
  constructor(status, problem, path) {
    const code = problem && problem.code ? problem.code : 'HTTP_' + status;
    const detail = problem && (problem.detail || problem.title) ? (problem.detail || problem.title) : '';
    const head = REFUSED[status] && (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') ? REFUSED[status] : code;
    super(head + (detail ? ': ' + detail : '') + ' (' + path + ')');
    this.status = status;
    this.code = code;
    this.problem = problem || {};
  }
}

export async function call(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
  }
  if (!r.ok) {
    throw new ApiError(r.status, json, method + ' ' + path);
  }
  return json;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);

/** Every item of a paged list (limit 1000 a page, following nextCursor). */
export async function all(path) {
  const items = [];
  let cursor = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page = await get(path + sep + 'limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/**
 * Follows a node's event stream with fetch, so that the Authorization header goes along (EventSource
 * cannot send one). Resumes after a drop with Last-Event-ID = the last seq seen; when the service
 * answers 410 EVENTS_EXPIRED (or ends the stream because the events after that seq are gone), starts
 * again from the newest event and asks the caller to reload everything (onResync).
 * Returns a function that stops following.
 */
export function follow(node, { onOpen, onEvent, onState, onResync }) {
  const control = new AbortController();
  let last = null;
  let stopped = false;
  let delay = 250;

  async function once() {
    const h = headers({ Accept: 'text/event-stream' });
    if (last !== null) {
      h['Last-Event-ID'] = String(last);
    }
    const r = await fetch('/api/v1/events/stream?node=' + encodeURIComponent(node), { headers: h, signal: control.signal });
    if (r.status === 410) {
      last = null;
      onResync();
      return;
    }
    if (!r.ok) {
      let problem = null;
      try {
        problem = await r.json();
      } catch (e) {
        problem = null;
      }
      throw new ApiError(r.status, problem, 'GET /api/v1/events/stream');
    }
    onState('live', last);
    delay = 250;
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let id = null;
    let data = [];
    let first = true;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
        if (line === '') {
          if (data.length) {
            if (id !== null) {
              last = id;
            }
            onEvent(JSON.parse(data.join('\n')));
          }
          id = null;
          data = [];
        } else if (line.startsWith(':')) {
          // the service's first comment says the stream is open; "expired" asks for a resync
          if (first) {
            first = false;
            onOpen(last);
          }
          if (line.includes('expired')) {
            last = null;
            onResync();
          }
        } else {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') {
            id = val;
          } else if (field === 'data') {
            data.push(val);
          }
        }
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (e) {
        if (stopped) {
          return;
        }
        onState('error', e);
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) {
          return; // retrying cannot help until the user changes the token or the node
        }
      }
      if (stopped) {
        return;
      }
      onState('reconnecting', last);
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(delay * 2, 5000);
    }
  })();

  return () => {
    stopped = true;
    control.abort();
  };
}
