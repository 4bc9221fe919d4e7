import { Link } from "react-router";
import { Page } from "@shared/layout.tsx";
import { APP } from "../api.ts";

export function NotFound() {
  return (
    <Page title="Page not found" app={APP}>
      <p>
        There is no page here. Browse the <Link to="/marketplace">marketplace</Link>.
      </p>
    </Page>
  );
}
