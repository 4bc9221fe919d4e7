import { fireEvent, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { TOKEN_COOKIE, isExpired, readClaims, tokenRef } from "./auth.tsx";
import { SignIn } from "./signin.tsx";
import { fakeToken, renderAt } from "./testing.tsx";

describe("token claims", () => {
  it("reads sub, roles and exp from a JWT", () => {
    const claims = readClaims(fakeToken("alice", ["genesis", "viewer"]));
    expect(claims?.sub).toBe("alice");
    expect(claims?.roles).toEqual(["genesis", "viewer"]);
    expect(claims && isExpired(claims)).toBe(false);
    const old = readClaims(fakeToken("bob", [], -10));
    expect(old && isExpired(old)).toBe(true);
  });

  it("refuses what is not a JWT", () => {
    expect(readClaims("nope")).toBeNull();
    expect(readClaims("a.b.c")).toBeNull();
    expect(readClaims(`x.${btoa(JSON.stringify({ roles: [] }))}.y`)).toBeNull();
  });
});

describe("sign-in page", () => {
  it("explains a bad token beside the field and stays on the page", async () => {
    renderAt(<SignIn app="Test" command="waooaw token -r viewer -s x" home="/home" />, { path: "/signin", route: "/signin" });
    await userEvent.type(screen.getByLabelText("Bearer token"), "not-a-token");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByRole("alert")).toHaveTextContent(/not a valid, unexpired token/);
    expect(screen.getByLabelText("Bearer token")).toHaveAttribute("aria-invalid", "true");
    expect(tokenRef.current).toBeNull();
  });

  it("keeps the token in memory, and in a SameSite=Strict cookie only when asked", async () => {
    const token = fakeToken("carol", ["customer"]);
    renderAt(<SignIn app="Test" command="waooaw token -r customer -s x" home="/home" />, { path: "/signin", route: "/signin" });
    await userEvent.click(screen.getByLabelText(/Stay signed in/));
    fireEvent.change(screen.getByLabelText("Bearer token"), { target: { value: token } });
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(tokenRef.current).toBe(token);
    expect(document.cookie).not.toContain(TOKEN_COOKIE);
    expect(await screen.findByText("navigated away")).toBeInTheDocument();
    expect(window.location.href).not.toContain(token);
  });

  it("remembers the token in the cookie when the box stays checked", async () => {
    const token = fakeToken("dave", ["viewer"]);
    renderAt(<SignIn app="Test" command="waooaw token -r viewer -s x" home="/home" />, { path: "/signin", route: "/signin" });
    fireEvent.change(screen.getByLabelText("Bearer token"), { target: { value: token } });
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(document.cookie).toContain(`${TOKEN_COOKIE}=${encodeURIComponent(token)}`);
  });
});
