// Development sign-in: paste a token minted by `waooaw token --role ROLE --sub NAME`.
// The token goes to memory (and to a SameSite=Strict cookie if asked), never the URL.
import { useState, type FormEvent } from "react";
import { useLocation, useNavigate } from "react-router";
import { useAuth } from "./auth.tsx";
import { Page } from "./layout.tsx";

export function SignIn({ app, command, home }: { app: string; command: string; home: string }) {
  const { signIn, session } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [token, setToken] = useState("");
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const from = (location.state as { from?: string } | null)?.from ?? home;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      const s = signIn(token, remember);
      setError(null);
      navigate(from, { replace: true });
      return s;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <Page title="Sign in" app={app}>
      <form className="card form narrow" onSubmit={submit} noValidate>
        <p>
          Paste a development token. Mint one with:
          <br />
          <code>{command}</code>
        </p>
        {session ? (
          <p className="muted">
            Signed in as <strong>{session.claims.sub}</strong>; a new token replaces it.
          </p>
        ) : null}
        <div className={`field${error ? " field-invalid" : ""}`}>
          <label htmlFor="token">Bearer token</label>
          <textarea
            id="token"
            name="token"
            rows={4}
            spellCheck={false}
            autoComplete="off"
            required
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "token-error" : undefined}
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          {error ? (
            <p id="token-error" className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        <div className="check">
          <input id="remember" type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          <label htmlFor="remember">Stay signed in in this browser session (a SameSite=Strict cookie)</label>
        </div>
        <button type="submit" className="button">
          Sign in
        </button>
      </form>
    </Page>
  );
}
