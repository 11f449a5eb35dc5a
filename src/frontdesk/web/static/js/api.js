// Fetch helpers: same-origin requests with the session's CSRF token on every change, and
// HubSpot-shaped errors turned into exceptions whose message a person can read.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `Request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

async function send(path, { method = "GET", json, body, headers = {} } = {}) {
  const init = { method, credentials: "same-origin", headers: { ...headers } };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrfToken();
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    // The session ended (signed out elsewhere, expired): go and sign in again.
    window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, { message: "Signed out" });
  }
  return response;
}

export async function api(path, options = {}) {
  const response = await send(path, options);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// A server-rendered piece of page (HTML), parsed into elements.
export async function fragment(path) {
  const response = await send(path, { headers: { "X-Frontdesk-Fragment": "1" } });
  if (!response.ok) throw new ApiError(response.status, null);
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  return template.content;
}

export function me() {
  return {
    id: document.body.dataset.userId,
    actorId: `A-${document.body.dataset.userId}`,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}
