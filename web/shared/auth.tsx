// The signed-in developer's bearer token: held in memory (React state), and in a
// SameSite=Strict session cookie only when the user asks to stay signed in across
// reloads. Never in the URL, never in localStorage.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export const TOKEN_COOKIE = "waooaw_token";

export interface TokenClaims {
  sub: string;
  roles: string[];
  exp: number | null;
}

export interface Session {
  token: string;
  claims: TokenClaims;
}

/** Read the claims of a JWT for display (the backend verifies it; this does not). */
export function readClaims(token: string): TokenClaims | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(parts[1].length / 4) * 4, "="));
    const payload: unknown = JSON.parse(json);
    if (typeof payload !== "object" || payload === null) return null;
    const { sub, roles, exp } = payload as Record<string, unknown>;
    if (typeof sub !== "string") return null;
    return {
      sub,
      roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [],
      exp: typeof exp === "number" ? exp : null,
    };
  } catch {
    return null;
  }
}

export function isExpired(claims: TokenClaims, now = Date.now()): boolean {
  return claims.exp !== null && claims.exp * 1000 <= now;
}

function readCookie(): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === TOKEN_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return null;
}

function writeCookie(token: string | null): void {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = token
    ? `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; SameSite=Strict${secure}`
    : `${TOKEN_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict${secure}`;
}

function sessionFrom(token: string | null): Session | null {
  if (!token) return null;
  const claims = readClaims(token);
  return claims && !isExpired(claims) ? { token, claims } : null;
}

interface AuthState {
  session: Session | null;
  signIn: (token: string, remember: boolean) => Session;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

/** The one place the token lives; `tokenRef` lets the API client read it without re-renders. */
export const tokenRef: { current: string | null } = { current: null };

export function AuthProvider({ children, initialToken }: { children: ReactNode; initialToken?: string }) {
  const [session, setSession] = useState<Session | null>(() => {
    const s = sessionFrom(initialToken ?? readCookie());
    tokenRef.current = s?.token ?? null;
    return s;
  });

  const signIn = useCallback((token: string, remember: boolean) => {
    const s = sessionFrom(token.trim());
    if (!s) throw new Error("This is not a valid, unexpired token: paste the whole output of `waooaw token`.");
    tokenRef.current = s.token;
    writeCookie(remember ? s.token : null);
    setSession(s);
    return s;
  }, []);

  const signOut = useCallback(() => {
    tokenRef.current = null;
    writeCookie(null);
    setSession(null);
  }, []);

  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth outside <AuthProvider>");
  return state;
}
