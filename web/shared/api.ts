// openapi-fetch clients typed by the generated contract types, with the bearer token
// added to every request and failures turned into ApiError (never swallowed).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { tokenRef } from "./auth.tsx";
import { ApiError, networkProblem, problemFrom } from "./problem.ts";

const auth: Middleware = {
  onRequest({ request }) {
    if (tokenRef.current) request.headers.set("Authorization", `Bearer ${tokenRef.current}`);
    return request;
  },
};

// `Paths` is the generated `paths` interface of one contract
export function makeClient<Paths extends object>(baseUrl = globalThis.location?.origin ?? ""): Client<Paths> {
  // look fetch up per call (not once at start), so a replaced global fetch is used
  const client = createClient<Paths>({ baseUrl, fetch: (request: Request) => globalThis.fetch(request) });
  client.use(auth);
  return client;
}

type Outcome<D> = { data?: D; error?: unknown; response: Response };

/** The data and response of a successful call; throws ApiError with the server's problem otherwise. */
export async function callWithResponse<D>(request: Promise<Outcome<D>>): Promise<{ data: D; response: Response }> {
  let outcome: Outcome<D>;
  try {
    outcome = await request;
  } catch (error) {
    throw new ApiError(networkProblem(error));
  }
  if (!outcome.response.ok) throw new ApiError(problemFrom(outcome.response, outcome.error));
  return { data: outcome.data as D, response: outcome.response };
}

/** The data of a successful call; throws ApiError with the server's problem otherwise. */
export async function call<D>(request: Promise<Outcome<D>>): Promise<D> {
  return (await callWithResponse(request)).data;
}
