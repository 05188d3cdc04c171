// Calls to PrintLab's own routes (/api/printlab/...). Errors come back as
// ApiError with the server's message, written for the person reading it.

/** ApiError carries the HTTP status, a stable code, the message and per-field messages. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered ${status}.`);
    this.status = status;
    this.code = (body && body.code) || "";
    this.fields = {};
    for (const [k, v] of Object.entries((body && body.data) || {})) this.fields[k] = (v && v.message) || String(v);
    this.body = body;
  }
}

/**
 * api calls path with an optional JSON body and auth token and returns the
 * decoded JSON; network failures become an ApiError with status 0.
 */
export async function api(path, { method = "GET", body, token, signal } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined && !(body instanceof FormData)) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = token;
  let res;
  try {
    res = await fetch(path, {
      method, headers, signal,
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, { message: "We can't reach the lab's website right now. Check your internet connection and try again." });
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text.slice(0, 300) }; }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
