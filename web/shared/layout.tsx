// The page frame: skip link, header with navigation and the signed-in user, main.
import { useEffect, type ReactNode } from "react";
import { NavLink, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { useAuth } from "./auth.tsx";

export interface NavItem {
  to: string;
  label: string;
}

export function Layout({ app, nav }: { app: string; nav: readonly NavItem[] }) {
  const { session, signOut } = useAuth();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">{app}</span>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          {session ? (
            <>
              <span data-testid="signed-in-as">
                {session.claims.sub} <span className="muted">({session.claims.roles.join(", ") || "no roles"})</span>
              </span>
              <button
                type="button"
                className="button secondary small"
                onClick={() => {
                  signOut();
                  navigate("/signin");
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <NavLink to="/signin">Sign in</NavLink>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

/** Routes below need a token: without one, go to the sign-in page and come back after. */
export function RequireAuth() {
  const { session } = useAuth();
  const location = useLocation();
  if (!session) {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  return <Outlet />;
}

/** Sets the document title (screen readers announce it on navigation). */
export function usePageTitle(title: string, app: string) {
  useEffect(() => {
    document.title = `${title} · ${app}`;
  }, [title, app]);
}

export function Page({ title, app, actions, children }: { title: string; app: string; actions?: ReactNode; children: ReactNode }) {
  usePageTitle(title, app);
  return (
    <section className="page" aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{title}</h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}
