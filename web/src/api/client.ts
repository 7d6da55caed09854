// One typed client for the whole API; it signs every call and turns problems into errors.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import type { ExecutionDetail, FieldError, Problem } from "./types";
import { CSRF_HEADER, csrfToken, session } from "../auth/session";

export const API = "/api/v1";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];

  constructor(status: number, problem: Partial<Problem>) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.code = problem.code ?? `HTTP_${status}`;
    this.errors = problem.errors ?? [];
  }

  /** The message for one field (`waves[0].name`), or undefined. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The headers a request made with the session cookie needs: its CSRF token on changes. */
export function sessionHeaders(method: string): Record<string, string> {
  const token = csrfToken();
  return !SAFE.has(method.toUpperCase()) && token ? { [CSRF_HEADER]: token } : {};
}

const auth: Middleware = {
  onRequest({ request }) {
    for (const [name, value] of Object.entries(sessionHeaders(request.method))) request.headers.set(name, value);
    return request;
  },
  async onResponse({ request, response }) {
    // The session ended, or a one-time password must be changed first: the auth context asks
    // who we are again and shows sign-in (or the password form), keeping where the user was.
    if (response.status === 401 && !request.url.endsWith("/auth/me")) session.changed();
    if (response.status === 403) {
      const problem = (await response.clone().json().catch(() => ({}))) as Partial<Problem>;
      if (problem.code === "PASSWORD_CHANGE_REQUIRED" && !request.url.endsWith("/auth/me")) session.changed();
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

/** The data of an openapi-fetch answer, or an ApiError with the problem's fields. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  if (response.ok) return undefined as T;
  const problem = (typeof error === "object" && error !== null ? error : {}) as Partial<Problem>;
  throw new ApiError(response.status, problem);
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An execution with all its servers: the API answers a page of them at a time. */
export async function getExecution(id: string): Promise<ExecutionDetail> {
  const path = { execution_id: id };
  const first = await unwrap(api.GET("/api/v1/executions/{execution_id}", { params: { path } }));
  const servers = { ...first.servers };
  for (let cursor = first.serversNextCursor; cursor; ) {
    const page = await unwrap(api.GET("/api/v1/executions/{execution_id}", { params: { path, query: { serverCursor: cursor } } }));
    Object.assign(servers, page.servers);
    cursor = page.serversNextCursor;
  }
  return { ...first, servers, serversNextCursor: null };
}
